#include "services/monitor/alert_rule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

AlertRule parse(const std::string& yaml) {
    return parse_alert_rule(ConfigNode(YAML::Load(yaml), YAML::Node(YAML::NodeType::Map), "monitor.alerts.rules[0]"));
}

std::string error_of(const std::string& yaml) {
    try {
        parse(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(AlertRuleTest, ParsesEveryField) {
    const AlertRule rule = parse(R"(
name: HighErrorRatio
kind: error_ratio
threshold: 0.05
window: 5m
for: 2m
severity: warning
role: model
labels: {team: vision}
annotations: {summary: "{{ $labels.instance }} fails"}
)");
    EXPECT_EQ(rule.name, "HighErrorRatio");
    EXPECT_EQ(rule.kind, AlertKind::kErrorRatio);
    EXPECT_EQ(rule.threshold, 0.05);
    EXPECT_EQ(rule.window, 5min);
    EXPECT_EQ(rule.for_duration, 2min);
    EXPECT_EQ(rule.role, "model");
    EXPECT_EQ(rule.labels.at("team"), "vision");
    EXPECT_EQ(rule.annotations.at("summary"), "{{ $labels.instance }} fails");
}

TEST(AlertRuleTest, LatencyThresholdIsADuration) {
    EXPECT_EQ(parse("{name: Slow, kind: p99_latency, threshold: 2500ms}").threshold, 2500);
    EXPECT_EQ(parse("{name: Slow, kind: p99_latency, threshold: 3s}").threshold, 3000);
}

TEST(AlertRuleTest, StateKindsNeedNoThreshold) {
    const AlertRule rule = parse("{name: InstanceDown, kind: instance_down, for: 15s, severity: critical}");
    EXPECT_EQ(rule.kind, AlertKind::kInstanceDown);
    EXPECT_EQ(rule.for_duration, 15s);
    EXPECT_EQ(rule.severity, "critical");
}

TEST(AlertRuleTest, RefusesWhatDoesNotMakeSense) {
    EXPECT_THAT(error_of("{kind: instance_down}"), HasSubstr("monitor.alerts.rules[0].name"));
    EXPECT_THAT(error_of("{name: X}"), HasSubstr("kind: is required"));
    EXPECT_THAT(error_of("{name: X, kind: down}"), HasSubstr("not one of"));
    EXPECT_THAT(error_of("{name: X, kind: error_ratio}"), HasSubstr("threshold: is required"));
    EXPECT_THAT(error_of("{name: X, kind: error_ratio, threshold: 5}"), HasSubstr("ratio from 0 to 1"));
    EXPECT_THAT(error_of("{name: X, kind: instance_down, threshold: 1}"), HasSubstr("does not apply"));
    EXPECT_THAT(error_of("{name: X, kind: breaker_open, window: 1m}"), HasSubstr("does not apply"));
    EXPECT_THAT(error_of("{name: X, kind: p99_latency, threshold: fast}"), HasSubstr("duration"));
    EXPECT_THAT(error_of("{name: X, kind: not_ready, labels: {instance: x}}"), HasSubstr("set by the monitor"));
    EXPECT_THAT(error_of("{name: X, kind: not_ready, fro: 1m}"), HasSubstr("rules[0].fro: unknown key"));
    EXPECT_THAT(error_of("{name: 'bad name', kind: not_ready}"), HasSubstr("name"));
}

TEST(AlertRuleTest, DefaultsCoverEveryKindWithDistinctNames) {
    const auto rules = default_alert_rules();
    std::set<AlertKind> kinds;
    std::set<std::string> names;
    for (const auto& rule : rules) {
        kinds.insert(rule.kind);
        names.insert(rule.name);
        EXPECT_TRUE(rule.annotations.contains("summary")) << rule.name;
    }
    EXPECT_EQ(kinds.size(), 7u);
    EXPECT_EQ(names.size(), rules.size());
}

}  // namespace
}  // namespace vg::services::monitor
