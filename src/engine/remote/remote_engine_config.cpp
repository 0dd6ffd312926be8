#include "engine/remote/remote_engine_config.hpp"

namespace vg::engine {

RemoteEngineConfig parse_remote_engine_config(ConfigNode node) {
    RemoteEngineConfig config;
    node.read("url", config.url);
    if (!config.url.empty() && !config.url.starts_with("http://") && !config.url.starts_with("https://")) {
        node.fail("url", "must start with http:// or https://");
    }
    node.read("api_key", config.api_key);
    node.read("model", config.model);
    node.read("timeout", config.timeout);
    if (config.timeout.count() <= 0) node.fail("timeout", "must be positive");
    node.read("connect_timeout", config.connect_timeout);
    if (config.connect_timeout.count() <= 0) node.fail("connect_timeout", "must be positive");
    node.read("max_connections", config.max_connections);
    if (config.max_connections == 0) node.fail("max_connections", "must be at least 1");
    node.read("max_queue", config.max_queue);
    node.read("image_tokens_per_32px", config.image_tokens_per_32px);
    if (config.image_tokens_per_32px < 1) node.fail("image_tokens_per_32px", "must be at least 1");
    node.finish();
    return config;
}

}  // namespace vg::engine
