#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vg::services::monitor {

enum class AlertState { kPending, kFiring, kResolved };

std::string_view state_name(AlertState state);  // "pending", "firing", "resolved"

using LabelMap = std::map<std::string, std::string>;

// One alert of one rule for one instance, as the evaluator holds it and the notifier sends it.
struct Alert {
    std::string name;  // the rule's name, also the alertname label
    AlertState state = AlertState::kPending;
    std::string severity;
    LabelMap labels;                   // alertname, instance, role, severity, plus the rule's own
    LabelMap annotations;              // templates filled in
    std::int64_t active_since_ms = 0;  // when the condition started to hold (Unix ms)
    std::optional<std::int64_t> fired_at_ms;
    std::optional<std::int64_t> resolved_at_ms;
    std::optional<double> value;
    std::string fingerprint;  // of the labels, as Alertmanager computes it
};

// Alertmanager's fingerprint of a label set: FNV-1a 64 over the names and values in name order, each
// followed by a 0xff byte, as 16 hex digits.
std::string fingerprint(const LabelMap& labels);

// Fills "{{ $labels.NAME }}" and "{{ $value }}" (spaces inside the braces optional); anything else
// is left as written.
std::string fill_template(const std::string& text, const LabelMap& labels, std::optional<double> value);

}  // namespace vg::services::monitor
