#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.hpp"
#include "services/monitor/figures.hpp"

namespace vg::services::monitor {

enum class AlertKind {
    kInstanceDown,           // /health does not answer 200
    kNotReady,               // up, but /ready does not answer 200
    kErrorRatio,             // error_ratio over `window` above `threshold`
    kP99Latency,             // p99 latency over `window` above `threshold` (a duration)
    kQueueSaturation,        // queue depth above `threshold`
    kBreakerOpen,            // a caller's circuit breaker for the instance is open
    kCacheHitRatioCollapse,  // image-cache hit ratio over `window` below `threshold`
};

std::string_view kind_name(AlertKind kind);

// One entry of `monitor.alerts.rules`, evaluated for every instance (of `role`, when set).
struct AlertRule {
    std::string name;  // the alertname label
    AlertKind kind = AlertKind::kInstanceDown;
    double threshold = 0;                       // p99_latency: milliseconds (config gives a duration)
    std::chrono::milliseconds window{300'000};  // for the figures computed over time
    std::chrono::milliseconds for_duration{0};  // how long the condition holds before it fires
    std::string severity = "warning";
    std::string role;  // empty: every role
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;  // "{{ $labels.instance }}" and "{{ $value }}" are filled in
};

// The figure a rule compares with its threshold; nullopt for kinds that test a state.
std::optional<Figure> rule_figure(AlertKind kind);

// Throws ConfigError naming the path.
AlertRule parse_alert_rule(ConfigNode node);

// What runs when the config lists no rules (the same set deploy/prometheus mirrors).
std::vector<AlertRule> default_alert_rules();

}  // namespace vg::services::monitor
