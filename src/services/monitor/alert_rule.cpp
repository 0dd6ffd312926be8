#include "services/monitor/alert_rule.hpp"

#include <algorithm>
#include <cctype>

namespace vg::services::monitor {

namespace {

using namespace std::chrono_literals;

struct KindInfo {
    AlertKind kind;
    const char* name;
    bool has_threshold;
    bool has_window;
};

constexpr KindInfo kKinds[] = {
    {AlertKind::kInstanceDown, "instance_down", false, false},
    {AlertKind::kNotReady, "not_ready", false, false},
    {AlertKind::kErrorRatio, "error_ratio", true, true},
    {AlertKind::kP99Latency, "p99_latency", true, true},
    {AlertKind::kQueueSaturation, "queue_saturation", true, false},
    {AlertKind::kBreakerOpen, "breaker_open", false, false},
    {AlertKind::kCacheHitRatioCollapse, "cache_hit_ratio_collapse", true, true},
};

const KindInfo& info(AlertKind kind) {
    return *std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindInfo& k) { return k.kind == kind; });
}

bool valid_label_name(const std::string& name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

AlertRule rule(std::string name, AlertKind kind, std::chrono::milliseconds for_duration, std::string severity,
               std::string summary) {
    AlertRule r;
    r.name = std::move(name);
    r.kind = kind;
    r.for_duration = for_duration;
    r.severity = std::move(severity);
    r.annotations["summary"] = std::move(summary);
    return r;
}

}  // namespace

std::string_view kind_name(AlertKind kind) {
    return info(kind).name;
}

std::optional<Figure> rule_figure(AlertKind kind) {
    switch (kind) {
        case AlertKind::kErrorRatio: return Figure::kErrorRatio;
        case AlertKind::kP99Latency: return Figure::kP99Ms;
        case AlertKind::kQueueSaturation: return Figure::kQueueDepth;
        case AlertKind::kCacheHitRatioCollapse: return Figure::kImageCacheHitRatio;
        default: return std::nullopt;
    }
}

AlertRule parse_alert_rule(ConfigNode node) {
    AlertRule rule;
    node.read("name", rule.name);
    if (!valid_label_name(rule.name)) node.fail("name", "is required: letters, digits and '_' (e.g. InstanceDown)");
    std::string kind;
    std::vector<std::string> kinds;
    for (const auto& k : kKinds) kinds.emplace_back(k.name);
    if (!node.has("kind"))
        node.fail("kind",
                  "is required; one of: instance_down, not_ready, error_ratio, p99_latency, queue_saturation, "
                  "breaker_open, cache_hit_ratio_collapse");
    node.read_enum("kind", kind, kinds);
    rule.kind =
        std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindInfo& k) { return k.name == kind; })->kind;
    const KindInfo& about = info(rule.kind);
    if (about.has_threshold) {
        if (!node.has("threshold")) node.fail("threshold", "is required for kind " + kind);
        if (rule.kind == AlertKind::kP99Latency) {
            std::chrono::milliseconds threshold{0};
            node.read("threshold", threshold);  // a duration: 2s, 1500ms
            rule.threshold = static_cast<double>(threshold.count());
        } else {
            node.read("threshold", rule.threshold);
        }
        if (rule.threshold < 0) node.fail("threshold", "must not be negative");
        if ((rule.kind == AlertKind::kErrorRatio || rule.kind == AlertKind::kCacheHitRatioCollapse) &&
            rule.threshold > 1) {
            node.fail("threshold", "is a ratio from 0 to 1");
        }
    } else if (node.has("threshold")) {
        node.fail("threshold", "does not apply to kind " + kind);
    }
    if (about.has_window) {
        node.read("window", rule.window);
        if (rule.window.count() <= 0) node.fail("window", "must be positive");
    } else if (node.has("window")) {
        node.fail("window", "does not apply to kind " + kind);
    }
    node.read("for", rule.for_duration);
    node.read("severity", rule.severity);
    if (rule.severity.empty()) node.fail("severity", "must not be empty (critical, warning, info)");
    node.read("role", rule.role);
    node.read("labels", rule.labels);
    for (const auto& [name, value] : rule.labels) {
        if (!valid_label_name(name)) node.fail("labels." + name, "is not a valid label name");
        if (name == "alertname" || name == "instance" || name == "role" || name == "severity") {
            node.fail("labels." + name, "is set by the monitor");
        }
    }
    node.read("annotations", rule.annotations);
    node.finish();
    return rule;
}

std::vector<AlertRule> default_alert_rules() {
    std::vector<AlertRule> rules;
    rules.push_back(rule("InstanceDown", AlertKind::kInstanceDown, 30s, "critical",
                         "{{ $labels.instance }} ({{ $labels.role }}) does not answer /health"));
    rules.push_back(rule("InstanceNotReady", AlertKind::kNotReady, 1min, "warning",
                         "{{ $labels.instance }} ({{ $labels.role }}) is up but not ready"));
    AlertRule errors = rule("HighErrorRatio", AlertKind::kErrorRatio, 2min, "warning",
                            "{{ $labels.instance }} answers {{ $value }} of its requests with 5xx");
    errors.threshold = 0.05;
    errors.window = 5min;
    rules.push_back(errors);
    AlertRule latency = rule("HighP99Latency", AlertKind::kP99Latency, 5min, "warning",
                             "{{ $labels.instance }} p99 latency is {{ $value }} ms");
    latency.threshold = 20'000;
    latency.window = 5min;
    rules.push_back(latency);
    AlertRule queue = rule("ModelQueueSaturated", AlertKind::kQueueSaturation, 2min, "warning",
                           "{{ $labels.instance }} has {{ $value }} requests waiting for a slot");
    queue.threshold = 48;
    queue.role = "model";
    rules.push_back(queue);
    rules.push_back(rule("CircuitBreakerOpen", AlertKind::kBreakerOpen, 1min, "warning",
                         "callers have opened their circuit breaker for {{ $labels.instance }}"));
    AlertRule cache = rule("ImageCacheHitRatioCollapse", AlertKind::kCacheHitRatioCollapse, 15min, "info",
                           "{{ $labels.instance }} image-cache hit ratio fell to {{ $value }}");
    cache.threshold = 0.1;
    cache.window = 15min;
    cache.role = "model";
    rules.push_back(cache);
    return rules;
}

}  // namespace vg::services::monitor
