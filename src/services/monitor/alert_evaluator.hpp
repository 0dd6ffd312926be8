#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/monitor/alert.hpp"
#include "services/monitor/alert_rule.hpp"
#include "services/monitor/monitor_clock.hpp"

namespace vg::services::monitor {

// What the scraper knows about one instance.
struct InstanceFacts {
    std::string instance;
    std::string role;
    bool scraped = false;  // false until the first scrape finished: no verdict yet
    bool up = false;
    bool ready = false;
    std::optional<std::string> breaker;  // "open", "half_open", "closed"; nullopt when no caller reports one
};

// The seam between the rules and the data they look at (the live store, or a test's table).
class AlertFacts {
public:
    virtual ~AlertFacts() = default;
    virtual std::vector<InstanceFacts> instances() const = 0;
    // The figure over `window` ending now; nullopt when there is no data.
    virtual std::optional<double> figure(Figure figure, const std::string& instance,
                                         std::chrono::milliseconds window) const = 0;
};

// Evaluates every rule for every instance: a condition that starts to hold makes a pending alert,
// one that held for the rule's `for:` fires, a firing alert whose condition ends is resolved (and
// kept for `keep_resolved`, so notifiers and the API still see it); a pending one is dropped.
// Instances that left the target list resolve their alerts. evaluate() is called from one thread;
// alerts() from any.
class AlertEvaluator {
public:
    AlertEvaluator(std::vector<AlertRule> rules, const MonitorClock& clock,
                   std::chrono::milliseconds keep_resolved = std::chrono::minutes(15));

    void evaluate(const AlertFacts& facts);
    // Pending, firing and recently resolved alerts, ordered by rule then instance.
    std::vector<Alert> alerts() const;
    std::size_t count(AlertState state) const;
    const std::vector<AlertRule>& rules() const { return rules_; }

private:
    struct Entry {
        Alert alert;
        std::chrono::steady_clock::time_point since;
        std::optional<std::chrono::steady_clock::time_point> resolved;
    };
    // The value that makes the condition hold, or nullopt when it does not.
    std::optional<double> condition(const AlertRule& rule, const InstanceFacts& instance,
                                    const AlertFacts& facts) const;
    Alert make_alert(const AlertRule& rule, const InstanceFacts& instance, double value, std::int64_t now_ms) const;
    void settle(Entry& entry, std::chrono::steady_clock::time_point now, std::int64_t now_ms) const;

    const std::vector<AlertRule> rules_;
    const MonitorClock& clock_;
    const std::chrono::milliseconds keep_resolved_;
    mutable std::mutex mutex_;
    std::map<std::pair<std::size_t, std::string>, Entry> entries_;  // (rule index, instance)
};

}  // namespace vg::services::monitor
