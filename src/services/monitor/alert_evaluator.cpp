#include "services/monitor/alert_evaluator.hpp"

namespace vg::services::monitor {

AlertEvaluator::AlertEvaluator(std::vector<AlertRule> rules, const MonitorClock& clock,
                               std::chrono::milliseconds keep_resolved)
    : rules_(std::move(rules)), clock_(clock), keep_resolved_(keep_resolved) {}

std::optional<double> AlertEvaluator::condition(const AlertRule& rule, const InstanceFacts& instance,
                                                const AlertFacts& facts) const {
    if (!rule.role.empty() && rule.role != instance.role) return std::nullopt;
    switch (rule.kind) {
        case AlertKind::kInstanceDown:
            return instance.scraped && !instance.up ? std::optional<double>(0) : std::nullopt;
        case AlertKind::kNotReady:
            return instance.scraped && instance.up && !instance.ready ? std::optional<double>(0) : std::nullopt;
        case AlertKind::kBreakerOpen: return instance.breaker == "open" ? std::optional<double>(1) : std::nullopt;
        default: break;
    }
    // A figure compared with the threshold; a down instance has no fresh figures to judge.
    if (!instance.up) return std::nullopt;
    auto value = facts.figure(*rule_figure(rule.kind), instance.instance, rule.window);
    if (!value) return std::nullopt;
    const bool holds =
        rule.kind == AlertKind::kCacheHitRatioCollapse ? *value < rule.threshold : *value > rule.threshold;
    return holds ? value : std::nullopt;
}

Alert AlertEvaluator::make_alert(const AlertRule& rule, const InstanceFacts& instance, double value,
                                 std::int64_t now_ms) const {
    Alert alert;
    alert.name = rule.name;
    alert.severity = rule.severity;
    alert.labels = rule.labels;
    alert.labels["alertname"] = rule.name;
    alert.labels["instance"] = instance.instance;
    alert.labels["role"] = instance.role;
    alert.labels["severity"] = rule.severity;
    alert.fingerprint = fingerprint(alert.labels);
    alert.active_since_ms = now_ms;
    alert.value = value;
    return alert;
}

void AlertEvaluator::settle(Entry& entry, std::chrono::steady_clock::time_point now, std::int64_t now_ms) const {
    if (entry.alert.state == AlertState::kFiring) {
        entry.alert.state = AlertState::kResolved;
        entry.alert.resolved_at_ms = now_ms;
        entry.resolved = now;
    }
}

void AlertEvaluator::evaluate(const AlertFacts& facts) {
    const auto now = clock_.now();
    const std::int64_t now_ms = clock_.unix_ms(now);
    const auto instances = facts.instances();
    // Conditions are computed before taking the lock: figures read the store.
    std::map<std::pair<std::size_t, std::string>, std::pair<const InstanceFacts*, double>> holding;
    for (std::size_t r = 0; r < rules_.size(); ++r) {
        for (const auto& instance : instances) {
            if (auto value = condition(rules_[r], instance, facts))
                holding[{r, instance.instance}] = {&instance, *value};
        }
    }
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& entry = it->second;
        auto held = holding.find(it->first);
        const bool active = entry.alert.state != AlertState::kResolved;
        if (held == holding.end()) {
            if (entry.alert.state == AlertState::kPending) {
                it = entries_.erase(it);
                continue;
            }
            settle(entry, now, now_ms);
            if (entry.resolved && now - *entry.resolved >= keep_resolved_) {
                it = entries_.erase(it);
                continue;
            }
        } else if (active) {
            entry.alert.value = held->second.second;
        }
        ++it;
    }
    for (const auto& [key, held] : holding) {
        auto it = entries_.find(key);
        const AlertRule& rule = rules_[key.first];
        if (it == entries_.end() || it->second.alert.state == AlertState::kResolved) {
            // A new occurrence; a resolved one of the same alert is replaced.
            Entry entry{make_alert(rule, *held.first, held.second, now_ms), now, std::nullopt};
            it = entries_.insert_or_assign(key, std::move(entry)).first;
        }
        Entry& entry = it->second;
        if (entry.alert.state == AlertState::kPending && now - entry.since >= rule.for_duration) {
            entry.alert.state = AlertState::kFiring;
            entry.alert.fired_at_ms = now_ms;
        }
        for (const auto& [name, text] : rule.annotations) {
            entry.alert.annotations[name] = fill_template(text, entry.alert.labels, entry.alert.value);
        }
    }
}

std::vector<Alert> AlertEvaluator::alerts() const {
    std::lock_guard lock(mutex_);
    std::vector<Alert> out;
    out.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) out.push_back(entry.alert);
    return out;
}

std::size_t AlertEvaluator::count(AlertState state) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [key, entry] : entries_) n += entry.alert.state == state ? 1 : 0;
    return n;
}

}  // namespace vg::services::monitor
