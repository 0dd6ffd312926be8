#include "services/monitor/monitor_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

MonitorConfig parse(const std::string& yaml) {
    return parse_monitor_config(ConfigNode(YAML::Load(yaml), YAML::Node(YAML::NodeType::Map), "monitor"));
}

std::string error_of(const std::string& yaml) {
    try {
        parse(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(MonitorConfigTest, ParsesTheDocumentedShape) {
    const auto config = parse(R"(
server: {port: 9083}
scrape: {interval: 5s, timeout: 2s, retention: 1h, max_series: 5000, rate_window: 30s}
targets:
  - {role: model, instances: ["127.0.0.1:8081", "127.0.0.1:8091"]}
  - {role: gateway, dns: {name: gateway, port: 8080, refresh_interval: 10s}}
alerts:
  evaluation_interval: 5s
  rules:
    - {name: InstanceDown, kind: instance_down, for: 15s, severity: critical}
    - {name: HighErrorRatio, kind: error_ratio, threshold: 0.05, window: 5m, for: 2m, severity: warning}
  notify:
    webhooks: ["http://127.0.0.1:9093/hook"]
    alertmanager_url: "http://alertmanager:9093"
    group_by: [alertname, role]
    group_wait: 5s
    group_interval: 1m
    repeat_interval: 4h
    timeout: 3s
    external_url: "https://monitor.example.com/"
console: {dir: /srv/console, api_base: "http://gateway:8080"}
)");
    EXPECT_EQ(config.server.port, 9083);
    EXPECT_EQ(config.scrape.interval, 5s);
    EXPECT_EQ(config.scrape.timeout, 2s);
    EXPECT_EQ(config.scrape.retention, 1h);
    EXPECT_EQ(config.scrape.max_series, 5000u);
    EXPECT_EQ(config.scrape.rate_window, 30s);
    ASSERT_EQ(config.targets.size(), 2u);
    EXPECT_EQ(config.targets[0].role, "model");
    ASSERT_EQ(config.targets[0].instances.size(), 2u);
    EXPECT_EQ(config.targets[0].instances[1].id(), "127.0.0.1:8091");
    ASSERT_TRUE(config.targets[1].dns);
    EXPECT_EQ(config.targets[1].dns->name, "gateway");
    EXPECT_EQ(config.targets[1].dns->port, 8080);
    EXPECT_EQ(config.targets[1].dns->refresh_interval, 10s);
    ASSERT_EQ(config.alerts.rules.size(), 2u);
    EXPECT_EQ(config.alerts.rules[1].kind, AlertKind::kErrorRatio);
    const auto& notify = config.alerts.notify;
    EXPECT_EQ(notify.webhooks, std::vector<std::string>{"http://127.0.0.1:9093/hook"});
    EXPECT_EQ(notify.alertmanager_url, "http://alertmanager:9093");
    EXPECT_EQ(notify.group_by, (std::vector<std::string>{"alertname", "role"}));
    EXPECT_EQ(notify.group_interval, 1min);
    EXPECT_EQ(notify.repeat_interval, 4h);
    EXPECT_EQ(notify.timeout, 3s);
    EXPECT_EQ(notify.external_url, "https://monitor.example.com") << "trailing slash trimmed";
    EXPECT_EQ(config.console.dir, "/srv/console");
    EXPECT_EQ(config.console.api_base, "http://gateway:8080");
}

TEST(MonitorConfigTest, Defaults) {
    const auto config = parse("{}");
    EXPECT_EQ(config.server.port, 8083);
    EXPECT_EQ(config.scrape.interval, 5s);
    EXPECT_EQ(config.scrape.retention / config.scrape.interval, 720) << "1 h at 5 s";
    ASSERT_EQ(config.targets.size(), 3u) << "this machine's default ports";
    EXPECT_EQ(config.targets[1].role, "model");
    EXPECT_EQ(config.targets[1].instances.at(0).id(), "127.0.0.1:8081");
    EXPECT_EQ(config.alerts.rules.size(), default_alert_rules().size());
    EXPECT_TRUE(config.alerts.notify.webhooks.empty());
    EXPECT_EQ(config.alerts.notify.group_by, std::vector<std::string>{"alertname"});
    EXPECT_TRUE(parse("alerts: {rules: []}").alerts.rules.empty()) << "an empty list means no rules";
    EXPECT_TRUE(parse("targets: []").targets.empty());
}

TEST(MonitorConfigTest, RefusesBadValuesWithTheirPath) {
    EXPECT_THAT(error_of("scrape: {intervall: 5s}"), HasSubstr("monitor.scrape.intervall: unknown key"));
    EXPECT_THAT(error_of("scrape: {interval: 1s, timeout: 2s}"), HasSubstr("monitor.scrape.timeout"));
    EXPECT_THAT(error_of("scrape: {interval: 10s, retention: 5s}"), HasSubstr("monitor.scrape.retention"));
    EXPECT_THAT(error_of("scrape: {interval: 1ms, timeout: 1ms, retention: 1h}"), HasSubstr("100000"));
    EXPECT_THAT(error_of("scrape: {interval: 5s, rate_window: 5s}"), HasSubstr("monitor.scrape.rate_window"));
    EXPECT_THAT(error_of("targets: [{instances: [\"a:1\"]}]"), HasSubstr("monitor.targets[0].role"));
    EXPECT_THAT(error_of("targets: [{role: model, instances: [\"a\"]}]"), HasSubstr("monitor.targets[0].instances"));
    EXPECT_THAT(error_of("targets: [{role: model}]"), HasSubstr("at least one instance"));
    EXPECT_THAT(error_of("targets: [{role: model, instances: [\"a:1\"], dns: {name: m, port: 1}}]"),
                HasSubstr("not both"));
    EXPECT_THAT(error_of("targets: [{role: model, dns: {name: m, port: 0}}]"),
                HasSubstr("monitor.targets[0].dns.port"));
    EXPECT_THAT(error_of("alerts: {notify: {webhooks: [\"ftp://x\"]}}"), HasSubstr("monitor.alerts.notify.webhooks"));
    EXPECT_THAT(error_of("alerts: {notify: {group_interval: 1m, repeat_interval: 30s}}"), HasSubstr("repeat_interval"));
    EXPECT_THAT(error_of("alerts: {rules: [{name: A, kind: not_ready}, {name: A, kind: instance_down}]}"),
                HasSubstr("monitor.alerts.rules[1].name"));
    EXPECT_THAT(error_of("alerts: {evaluation_interval: 0s}"), HasSubstr("evaluation_interval"));
    EXPECT_THAT(error_of("console: {path: x}"), HasSubstr("monitor.console.path: unknown key"));
}

}  // namespace
}  // namespace vg::services::monitor
