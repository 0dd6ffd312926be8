#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/circuit_breaker.hpp"
#include "cluster/discovery.hpp"
#include "cluster/endpoint.hpp"
#include "cluster/health_checker.hpp"
#include "cluster/load_balancer.hpp"
#include "cluster/outlier_detector.hpp"
#include "cluster/retry.hpp"
#include "core/config_node.hpp"
#include "net/http_client.hpp"

namespace vg::cluster {

// One pool of interchangeable instances and every policy used to call it: the section under
// `upstreams.<name>` wherever a service calls another (gateway routes, the business model client).
struct UpstreamConfig {
    std::string name;
    std::vector<Endpoint> instances;         // static members
    std::optional<DnsDiscoveryConfig> dns;   // members found by re-resolving a name (replaces `instances`)
    std::string load_balancing = "least_outstanding";  // round_robin | least_outstanding | consistent_hash
    SlowStartConfig slow_start;
    bool health_check_enabled = true;
    HealthCheckConfig health_check;
    OutlierConfig outlier;
    CircuitBreakerConfig circuit_breaker;
    RetryConfig retry;
    net::ClientConfig client;
};

// `instances` entries are "host:port" strings or {address: "host:port", weight: N} maps; `dns` is
// {name, port, weight, refresh_interval}. Throws ConfigError naming the full path of a bad value.
UpstreamConfig parse_upstream_config(const std::string& name, ConfigNode node);

// The retry section alone (routes override their upstream's policy with it). `base` holds the defaults.
RetryConfig parse_retry_config(ConfigNode node, RetryConfig base);

}  // namespace vg::cluster
