#include "cluster/upstream_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <string>

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parses `yaml` as a whole config file and the section upstreams.detector of it, as the gateway does.
UpstreamConfig parse(const std::string& yaml) {
    auto root = ConfigNode::root(YAML::Load(yaml), YAML::Node(YAML::NodeType::Map));
    auto upstreams = root.child("upstreams");
    return parse_upstream_config("detector", upstreams.child("detector"));
}

// The ConfigError message parse() throws; empty (and a test failure) when it accepts the config.
std::string rejection(const std::string& yaml) {
    try {
        parse(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted:\n" << yaml;
    return "";
}

TEST(UpstreamConfigTest, ParsesInstancesAndEveryPolicySection) {
    const auto config = parse(R"(
upstreams:
  detector:
    instances:
      - "detector-1:8080"
      - {address: "10.0.0.2:8081", weight: 3}
      - "[fd00::7]:9000"
    load_balancing: consistent_hash
    slow_start: 30s
    health_check:
      enabled: false
      path: /healthz
      interval: 2s
      timeout: 500ms
      healthy_threshold: 3
      unhealthy_threshold: 4
    outlier_detection:
      consecutive_failures: 7
      base_ejection_time: 10s
      max_ejection_time: 1m
      max_ejection_percent: 34
    circuit_breaker:
      failure_rate_threshold: 60
      slow_call_rate_threshold: 80
      slow_call_duration: 5s
      sliding_window_size: 20
      minimum_number_of_calls: 10
      wait_duration_in_open_state: 15s
      permitted_calls_in_half_open: 2
    retry:
      max_attempts: 4
      backoff: {initial: 100ms, multiplier: 3, max: 2s, jitter: 0.1}
      per_try_timeout: 5s
      idempotent: true
      budget_ratio: 0.5
      budget_min_retries_per_second: 3
    client:
      max_connections: 8
      max_pending: 50
      connect_timeout: 300ms
      idle_timeout: 10s
      max_response_body: 16MiB
      verify_tls: false
      ca_file: /etc/vg/ca.pem
)");
    EXPECT_EQ(config.name, "detector");
    EXPECT_THAT(config.instances, ElementsAre(Endpoint{"detector-1", 8080, 1}, Endpoint{"10.0.0.2", 8081, 3},
                                              Endpoint{"fd00::7", 9000, 1}));
    EXPECT_FALSE(config.dns.has_value());
    EXPECT_EQ(config.load_balancing, "consistent_hash");
    EXPECT_EQ(config.slow_start.window, 30s);

    EXPECT_FALSE(config.health_check_enabled);
    EXPECT_EQ(config.health_check.path, "/healthz");
    EXPECT_EQ(config.health_check.interval, 2s);
    EXPECT_EQ(config.health_check.timeout, 500ms);
    EXPECT_EQ(config.health_check.healthy_threshold, 3);
    EXPECT_EQ(config.health_check.unhealthy_threshold, 4);

    EXPECT_EQ(config.outlier.consecutive_failures, 7);
    EXPECT_EQ(config.outlier.base_ejection_time, 10s);
    EXPECT_EQ(config.outlier.max_ejection_time, 60s);
    EXPECT_DOUBLE_EQ(config.outlier.max_ejection_percent, 34);

    EXPECT_DOUBLE_EQ(config.circuit_breaker.failure_rate_threshold, 60);
    EXPECT_DOUBLE_EQ(config.circuit_breaker.slow_call_rate_threshold, 80);
    EXPECT_EQ(config.circuit_breaker.slow_call_duration, 5s);
    EXPECT_EQ(config.circuit_breaker.sliding_window_size, 20u);
    EXPECT_EQ(config.circuit_breaker.minimum_number_of_calls, 10u);
    EXPECT_EQ(config.circuit_breaker.wait_duration_in_open_state, 15s);
    EXPECT_EQ(config.circuit_breaker.permitted_calls_in_half_open, 2u);

    EXPECT_EQ(config.retry.max_attempts, 4);
    EXPECT_EQ(config.retry.backoff.initial, 100ms);
    EXPECT_DOUBLE_EQ(config.retry.backoff.multiplier, 3);
    EXPECT_EQ(config.retry.backoff.max, 2s);
    EXPECT_DOUBLE_EQ(config.retry.backoff.jitter, 0.1);
    EXPECT_EQ(config.retry.per_try_timeout, 5s);
    EXPECT_TRUE(config.retry.idempotent);
    EXPECT_DOUBLE_EQ(config.retry.budget_ratio, 0.5);
    EXPECT_EQ(config.retry.budget_min_retries_per_second, 3u);

    EXPECT_EQ(config.client.max_connections_per_host, 8u);
    EXPECT_EQ(config.client.max_pending_per_host, 50u);
    EXPECT_EQ(config.client.connect_timeout, 300ms);
    EXPECT_EQ(config.client.idle_timeout, 10s);
    EXPECT_EQ(config.client.max_response_body_bytes, 16u * 1024 * 1024);
    EXPECT_FALSE(config.client.verify_tls);
    EXPECT_EQ(config.client.ca_file, "/etc/vg/ca.pem");
}

TEST(UpstreamConfigTest, AppliesDefaultsToAMinimalSection) {
    const auto config = parse(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
)");
    const UpstreamConfig defaults;
    EXPECT_THAT(config.instances, ElementsAre(Endpoint{"detector", 8080, 1}));
    EXPECT_EQ(config.load_balancing, "least_outstanding");
    EXPECT_TRUE(config.health_check_enabled);
    EXPECT_EQ(config.health_check.path, defaults.health_check.path);
    EXPECT_EQ(config.retry.max_attempts, defaults.retry.max_attempts);
    EXPECT_EQ(config.retry.per_try_timeout, defaults.retry.per_try_timeout);
    EXPECT_FALSE(config.retry.idempotent);
    EXPECT_EQ(config.circuit_breaker.sliding_window_size, defaults.circuit_breaker.sliding_window_size);
    EXPECT_EQ(config.outlier.consecutive_failures, defaults.outlier.consecutive_failures);
    EXPECT_EQ(config.client.max_connections_per_host, defaults.client.max_connections_per_host);
}

TEST(UpstreamConfigTest, ParsesDnsDiscovery) {
    const auto config = parse(R"(
upstreams:
  detector:
    dns: {name: detector.internal, port: 8080, weight: 2, refresh_interval: 2s}
)");
    EXPECT_TRUE(config.instances.empty());
    ASSERT_TRUE(config.dns.has_value());
    EXPECT_EQ(config.dns->name, "detector.internal");
    EXPECT_EQ(config.dns->port, 8080);
    EXPECT_EQ(config.dns->weight, 2);
    EXPECT_EQ(config.dns->refresh_interval, 2s);
}

TEST(UpstreamConfigTest, RejectsUnknownKeysWithTheirFullPath) {
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    timeout: 5s
)"),
                AllOf(StartsWith("upstreams.detector.timeout: unknown key"), HasSubstr("instances"), HasSubstr("dns"),
                      HasSubstr("retry"), HasSubstr("load_balancing")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    retry: {backoff: {jiter: 0.1}}
)"),
                AllOf(StartsWith("upstreams.detector.retry.backoff.jiter: unknown key"), HasSubstr("jitter")));
    EXPECT_THAT(
        rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    circuit_breaker: {window: 10}
)"),
        AllOf(StartsWith("upstreams.detector.circuit_breaker.window: unknown key"), HasSubstr("sliding_window_size")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    dns: {name: detector, port: 8080, ttl: 5s}
)"),
                StartsWith("upstreams.detector.dns.ttl: unknown key"));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["a:1", {address: "b:2", port: 3}]
)"),
                AllOf(StartsWith("upstreams.detector.instances[1]:"), HasSubstr("'port'")));
}

TEST(UpstreamConfigTest, RejectsBadValuesWithTheirPath) {
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    retry: {max_attempts: 0}
)"),
                AllOf(StartsWith("upstreams.detector.retry:"), HasSubstr("max_attempts")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080", "detector"]
)"),
                AllOf(StartsWith("upstreams.detector.instances[1]:"), HasSubstr("'detector'")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:99999"]
)"),
                StartsWith("upstreams.detector.instances[0]:"));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: [{address: "detector:8080", weight: 0}]
)"),
                AllOf(StartsWith("upstreams.detector.instances[0]:"), HasSubstr("weight")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    dns: {name: detector, port: 8080}
)"),
                AllOf(StartsWith("upstreams.detector.dns:"), HasSubstr("not both")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    load_balancing: round_robin
)"),
                StartsWith("upstreams.detector.instances:"));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    load_balancing: random
)"),
                AllOf(StartsWith("upstreams.detector.load_balancing:"), HasSubstr("round_robin")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    dns: {name: detector, port: 0}
)"),
                StartsWith("upstreams.detector.dns.port:"));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    circuit_breaker: {failure_rate_threshold: 0}
)"),
                AllOf(StartsWith("upstreams.detector.circuit_breaker:"), HasSubstr("failure_rate_threshold")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    health_check: {path: ready}
)"),
                AllOf(StartsWith("upstreams.detector.health_check:"), HasSubstr("path")));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    client: {max_connections: 0}
)"),
                StartsWith("upstreams.detector.client.max_connections:"));
    EXPECT_THAT(rejection(R"(
upstreams:
  detector:
    instances: ["detector:8080"]
    retry: {per_try_timeout: soon}
)"),
                StartsWith("upstreams.detector.retry.per_try_timeout:"));
}

TEST(UpstreamConfigTest, RetrySectionOverridesOnlyWhatItNames) {
    RetryConfig base;
    base.max_attempts = 5;
    base.per_try_timeout = 7s;
    auto root = ConfigNode::root(YAML::Load("retry: {idempotent: true}"), YAML::Node(YAML::NodeType::Map));
    const auto retry = parse_retry_config(root.child("retry"), base);
    EXPECT_TRUE(retry.idempotent);
    EXPECT_EQ(retry.max_attempts, 5);
    EXPECT_EQ(retry.per_try_timeout, 7s);
}

}  // namespace
}  // namespace vg::cluster
