#include "cluster/redis_config.hpp"

#include <stdexcept>

#include "core/config_node.hpp"

namespace vg::cluster {

void validate_redis_config(const RedisConfig& config) {
    if (config.host.empty()) throw std::invalid_argument("redis: host must not be empty");
    if (config.port < 1 || config.port > 65535) throw std::invalid_argument("redis: port must be in 1..65535");
    if (config.database < 0) throw std::invalid_argument("redis: database must be >= 0");
    if (config.timeout <= std::chrono::milliseconds{0}) throw std::invalid_argument("redis: timeout must be > 0");
    if (config.pool_size == 0) throw std::invalid_argument("redis: pool_size must be at least 1");
}

RedisConfig read_redis_config(ConfigNode node, RedisConfig defaults, bool check) {
    RedisConfig config = std::move(defaults);
    node.read("host", config.host);
    node.read("port", config.port);
    node.read("password", config.password);
    node.read("database", config.database);
    node.read("timeout", config.timeout);
    node.read("key_prefix", config.key_prefix);
    node.read("pool_size", config.pool_size);
    node.finish();
    if (check) {
        try {
            validate_redis_config(config);
        } catch (const std::invalid_argument& e) {
            throw ConfigError(node.path() + ": " + e.what());
        }
    }
    return config;
}

}  // namespace vg::cluster
