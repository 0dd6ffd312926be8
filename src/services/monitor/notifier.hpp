#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/monitor/alert.hpp"
#include "services/monitor/monitor_clock.hpp"
#include "services/monitor/webhook_payload.hpp"

namespace vg::services::monitor {

// `monitor.alerts.notify`.
struct NotifyConfig {
    std::vector<std::string> webhooks;                 // each gets Alertmanager's webhook JSON
    std::string alertmanager_url;                      // optional: a real Alertmanager, alerts POSTed to /api/v2/alerts
    std::vector<std::string> group_by{"alertname"};    // ["..."] groups by every label
    std::chrono::milliseconds group_wait{5'000};       // a new group waits this long for company
    std::chrono::milliseconds group_interval{60'000};  // then changes go out at most this often
    std::chrono::milliseconds repeat_interval{4 * 3'600'000};  // an unchanged firing group is re-sent
    std::chrono::milliseconds timeout{10'000};                 // per POST
    std::string external_url;  // the monitor as people reach it; default http://<hostname>:<port>
};

// Sends `body` (JSON) to `url`; `done(ok)` later, on any thread the owner's loop serialises.
using PostFunction = std::function<void(const std::string& url, std::string body, std::function<void(bool ok)> done)>;

// Alertmanager's grouping and deduplication for webhook receivers: alerts are grouped by the
// `group_by` labels; a new group is sent after group_wait, then looked at every group_interval, and
// sent only when it has a firing alert not sent yet, a resolved alert not sent as resolved, or all
// its alerts resolved, or when repeat_interval has passed since the last send while it still fires.
// A failed POST leaves the receiver's record unchanged, so the next look sends it again. Resolved
// alerts leave the group once every receiver has been told; an empty group is forgotten.
// Not thread-safe: update(), flush() and the `done` callbacks run on one thread (the monitor's loop).
class Notifier {
public:
    Notifier(NotifyConfig config, PayloadContext context, PostFunction post, const MonitorClock& clock);
    ~Notifier() { *alive_ = false; }
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // The evaluator's alerts after an evaluation (pending ones are ignored).
    void update(const std::vector<Alert>& alerts);
    // Sends what is due; returns when it next needs to run (nullopt: nothing scheduled).
    std::optional<std::chrono::steady_clock::time_point> flush();

    std::size_t groups() const { return groups_.size(); }
    std::size_t sent() const { return sent_; }
    std::size_t failed() const { return failed_; }

private:
    // What a receiver was last told about a group (Alertmanager's notification log entry).
    struct Delivery {
        bool ever = false;
        std::set<std::string> firing;
        std::set<std::string> resolved;
        std::chrono::steady_clock::time_point at;
        bool in_flight = false;
    };
    struct Group {
        LabelMap labels;
        std::map<std::string, Alert> alerts;  // by fingerprint
        std::chrono::steady_clock::time_point next_flush;
        std::vector<Delivery> deliveries;  // one per webhook
    };

    LabelMap group_labels(const Alert& alert) const;
    bool needs_send(const Delivery& delivery, const std::set<std::string>& firing,
                    const std::set<std::string>& resolved, std::chrono::steady_clock::time_point now) const;
    void send(const std::string& key, Group& group, std::size_t receiver, std::chrono::steady_clock::time_point now);
    void prune(const std::string& key);

    const NotifyConfig config_;
    const PayloadContext context_;
    PostFunction post_;
    const MonitorClock& clock_;
    std::map<std::string, Group> groups_;  // by group key
    std::size_t sent_ = 0;
    std::size_t failed_ = 0;
    // A POST may complete after the notifier is gone: its callback checks this first.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vg::services::monitor
