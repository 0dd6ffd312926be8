#include "cluster/upstream_config.hpp"

#include <stdexcept>

namespace vg::cluster {

namespace {

// Runs a library validator and reports its complaint under the config path of `node`.
template <class Config, class Validate>
void validate_section(ConfigNode& node, const Config& config, Validate validate) {
    try {
        validate(config);
    } catch (const std::invalid_argument& e) {
        throw ConfigError(node.path() + ": " + e.what());
    }
}

std::vector<Endpoint> parse_instances(ConfigNode& node, const YAML::Node& source) {
    std::vector<Endpoint> endpoints;
    if (!source) return endpoints;
    if (!source.IsSequence()) node.fail("instances", "must be a list of \"host:port\" or {address, weight}");
    for (std::size_t i = 0; i < source.size(); ++i) {
        const YAML::Node& item = source[i];
        const std::string where = "instances[" + std::to_string(i) + "]";
        try {
            if (item.IsScalar()) {
                endpoints.push_back(parse_endpoint(item.as<std::string>()));
            } else if (item.IsMap()) {
                int weight = item["weight"] ? item["weight"].as<int>() : 1;
                if (weight < 1) node.fail(where, "weight must be at least 1");
                for (const auto& key : item) {
                    const auto name = key.first.as<std::string>();
                    if (name != "address" && name != "weight") node.fail(where, "unknown key '" + name + "' (allowed: address, weight)");
                }
                if (!item["address"]) node.fail(where, "needs an address");
                endpoints.push_back(parse_endpoint(item["address"].as<std::string>(), weight));
            } else {
                node.fail(where, "must be \"host:port\" or {address, weight}");
            }
        } catch (const std::invalid_argument& e) {
            node.fail(where, e.what());
        } catch (const YAML::Exception& e) {
            node.fail(where, e.what());
        }
    }
    return endpoints;
}

BackoffConfig parse_backoff(ConfigNode node, BackoffConfig config) {
    node.read("initial", config.initial);
    node.read("multiplier", config.multiplier);
    node.read("max", config.max);
    node.read("jitter", config.jitter);
    node.finish();
    validate_section(node, config, validate_backoff_config);
    return config;
}

CircuitBreakerConfig parse_breaker(ConfigNode node) {
    CircuitBreakerConfig config;
    node.read("failure_rate_threshold", config.failure_rate_threshold);
    node.read("slow_call_rate_threshold", config.slow_call_rate_threshold);
    node.read("slow_call_duration", config.slow_call_duration);
    node.read("sliding_window_size", config.sliding_window_size);
    node.read("minimum_number_of_calls", config.minimum_number_of_calls);
    node.read("wait_duration_in_open_state", config.wait_duration_in_open_state);
    node.read("permitted_calls_in_half_open", config.permitted_calls_in_half_open);
    node.finish();
    validate_section(node, config, validate_circuit_breaker_config);
    return config;
}

HealthCheckConfig parse_health_check(ConfigNode node, bool& enabled) {
    HealthCheckConfig config;
    node.read("enabled", enabled);
    node.read("path", config.path);
    node.read("interval", config.interval);
    node.read("timeout", config.timeout);
    node.read("healthy_threshold", config.healthy_threshold);
    node.read("unhealthy_threshold", config.unhealthy_threshold);
    node.finish();
    validate_section(node, config, validate_health_check_config);
    return config;
}

OutlierConfig parse_outlier(ConfigNode node) {
    OutlierConfig config;
    node.read("consecutive_failures", config.consecutive_failures);
    node.read("base_ejection_time", config.base_ejection_time);
    node.read("max_ejection_time", config.max_ejection_time);
    node.read("max_ejection_percent", config.max_ejection_percent);
    node.finish();
    validate_section(node, config, validate_outlier_config);
    return config;
}

net::ClientConfig parse_client(ConfigNode node) {
    net::ClientConfig config;
    node.read("max_connections", config.max_connections_per_host);
    node.read("max_pending", config.max_pending_per_host);
    node.read("connect_timeout", config.connect_timeout);
    node.read("idle_timeout", config.idle_timeout);
    ByteSize body{config.max_response_body_bytes};
    node.read("max_response_body", body);
    config.max_response_body_bytes = body.bytes;
    node.read("verify_tls", config.verify_tls);
    node.read("ca_file", config.ca_file);
    node.finish();
    if (config.max_connections_per_host == 0) node.fail("max_connections", "must be at least 1");
    return config;
}

DnsDiscoveryConfig parse_dns(ConfigNode node) {
    DnsDiscoveryConfig config;
    node.read("name", config.name);
    int port = 0;
    node.read("port", port);
    node.read("weight", config.weight);
    node.read("refresh_interval", config.refresh_interval);
    node.finish();
    if (config.name.empty()) node.fail("name", "is required");
    if (port < 1 || port > 65535) node.fail("port", "must be 1-65535");
    if (config.weight < 1) node.fail("weight", "must be at least 1");
    if (config.refresh_interval.count() <= 0) node.fail("refresh_interval", "must be positive");
    config.port = static_cast<unsigned short>(port);
    return config;
}

}  // namespace

RetryConfig parse_retry_config(ConfigNode node, RetryConfig config) {
    node.read("max_attempts", config.max_attempts);
    config.backoff = parse_backoff(node.child("backoff"), config.backoff);
    node.read("per_try_timeout", config.per_try_timeout);
    node.read("idempotent", config.idempotent);
    node.read("budget_ratio", config.budget_ratio);
    node.read("budget_min_retries_per_second", config.budget_min_retries_per_second);
    node.finish();
    validate_section(node, config, validate_retry_config);
    return config;
}

UpstreamConfig parse_upstream_config(const std::string& name, ConfigNode node) {
    UpstreamConfig config;
    config.name = name;
    config.instances = parse_instances(node, node.raw("instances"));
    // raw() marks `dns` as a known key, so an unknown key's message lists it among the allowed ones.
    if (node.raw("dns")) config.dns = parse_dns(node.child("dns"));
    if (config.instances.empty() && !config.dns) node.fail("instances", "give at least one instance, or `dns`");
    if (!config.instances.empty() && config.dns) node.fail("dns", "use either `instances` or `dns`, not both");
    node.read_enum("load_balancing", config.load_balancing, {"round_robin", "least_outstanding", "consistent_hash"});
    node.read("slow_start", config.slow_start.window);
    config.health_check = parse_health_check(node.child("health_check"), config.health_check_enabled);
    config.outlier = parse_outlier(node.child("outlier_detection"));
    config.circuit_breaker = parse_breaker(node.child("circuit_breaker"));
    config.retry = parse_retry_config(node.child("retry"), config.retry);
    config.client = parse_client(node.child("client"));
    node.finish();
    return config;
}

}  // namespace vg::cluster
