#include "services/monitor/notifier.hpp"

#include <algorithm>

namespace vg::services::monitor {

namespace {

bool subset(const std::set<std::string>& small, const std::set<std::string>& big) {
    return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

}  // namespace

Notifier::Notifier(NotifyConfig config, PayloadContext context, PostFunction post, const MonitorClock& clock)
    : config_(std::move(config)), context_(std::move(context)), post_(std::move(post)), clock_(clock) {}

LabelMap Notifier::group_labels(const Alert& alert) const {
    if (std::find(config_.group_by.begin(), config_.group_by.end(), "...") != config_.group_by.end())
        return alert.labels;
    LabelMap out;
    for (const auto& name : config_.group_by) {
        if (auto it = alert.labels.find(name); it != alert.labels.end()) out[name] = it->second;
    }
    return out;
}

void Notifier::update(const std::vector<Alert>& alerts) {
    if (config_.webhooks.empty()) return;
    std::set<std::string> present;
    for (const auto& alert : alerts) present.insert(alert.fingerprint);
    for (auto& [key, group] : groups_)
        std::erase_if(group.alerts, [&](const auto& entry) { return !present.contains(entry.first); });
    const auto now = clock_.now();
    for (const auto& alert : alerts) {
        if (alert.state == AlertState::kPending) continue;
        const LabelMap labels = group_labels(alert);
        const std::string key = group_key(labels);
        auto it = groups_.find(key);
        if (alert.state == AlertState::kResolved) {
            // Only an alert the group held while firing has anything to resolve.
            if (it != groups_.end() && it->second.alerts.contains(alert.fingerprint))
                it->second.alerts[alert.fingerprint] = alert;
            continue;
        }
        if (it == groups_.end()) {
            Group group{labels, {}, now + config_.group_wait, std::vector<Delivery>(config_.webhooks.size())};
            it = groups_.emplace(key, std::move(group)).first;
        }
        it->second.alerts[alert.fingerprint] = alert;
    }
    std::erase_if(groups_, [](const auto& entry) { return entry.second.alerts.empty(); });
}

bool Notifier::needs_send(const Delivery& delivery, const std::set<std::string>& firing,
                          const std::set<std::string>& resolved, std::chrono::steady_clock::time_point now) const {
    if (!delivery.ever) return !firing.empty();
    if (!subset(firing, delivery.firing)) return true;      // a firing alert not sent yet
    if (firing.empty()) return !delivery.firing.empty();    // everything resolved since the last send
    if (!subset(resolved, delivery.resolved)) return true;  // a resolution not sent yet
    return now - delivery.at >= config_.repeat_interval;
}

std::optional<std::chrono::steady_clock::time_point> Notifier::flush() {
    const auto now = clock_.now();
    std::optional<std::chrono::steady_clock::time_point> next;
    std::vector<std::string> keys;
    for (const auto& [key, group] : groups_) keys.push_back(key);
    for (const auto& key : keys) {
        auto it = groups_.find(key);
        if (it == groups_.end()) continue;  // a synchronous POST's callback pruned it
        Group& group = it->second;
        if (group.next_flush <= now) {
            group.next_flush = now + config_.group_interval;
            const std::size_t receivers = group.deliveries.size();
            for (std::size_t receiver = 0; receiver < receivers; ++receiver) {
                it = groups_.find(key);  // a POST that completed inline may have pruned the group
                if (it == groups_.end()) break;
                send(key, it->second, receiver, now);
            }
            prune(key);  // resolved alerts no receiver needs to hear about
            it = groups_.find(key);
            if (it == groups_.end()) continue;
        }
        next = next ? std::min(*next, it->second.next_flush) : it->second.next_flush;
    }
    return next;
}

void Notifier::send(const std::string& key, Group& group, std::size_t receiver,
                    std::chrono::steady_clock::time_point now) {
    Delivery& delivery = group.deliveries[receiver];
    if (delivery.in_flight) return;
    std::set<std::string> firing;
    std::set<std::string> resolved;
    std::vector<Alert> alerts;
    for (const auto& [fp, alert] : group.alerts) {
        (alert.state == AlertState::kFiring ? firing : resolved).insert(fp);
        alerts.push_back(alert);
    }
    if (!needs_send(delivery, firing, resolved, now)) return;
    delivery.in_flight = true;
    std::string body = webhook_payload(alerts, group.labels, context_).dump();
    post_(config_.webhooks[receiver], std::move(body),
          [this, alive = alive_, key, receiver, firing, resolved, now](bool ok) {
              if (!*alive) return;
              ok ? ++sent_ : ++failed_;
              auto it = groups_.find(key);
              if (it == groups_.end()) return;
              Delivery& d = it->second.deliveries[receiver];
              d.in_flight = false;
              if (!ok) return;
              d = Delivery{true, firing, resolved, now, false};
              prune(key);
          });
}

void Notifier::prune(const std::string& key) {
    auto it = groups_.find(key);
    if (it == groups_.end()) return;
    Group& group = it->second;
    std::erase_if(group.alerts, [&](const auto& entry) {
        if (entry.second.state != AlertState::kResolved) return false;
        // Gone once every receiver that was told anything has been told it resolved.
        return std::all_of(group.deliveries.begin(), group.deliveries.end(),
                           [&](const Delivery& d) { return !d.ever || d.resolved.contains(entry.first); });
    });
    if (group.alerts.empty()) groups_.erase(it);
}

}  // namespace vg::services::monitor
