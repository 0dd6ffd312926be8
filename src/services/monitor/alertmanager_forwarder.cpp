#include "services/monitor/alertmanager_forwarder.hpp"

#include <algorithm>

#include "services/monitor/webhook_payload.hpp"

namespace vg::services::monitor {

AlertmanagerForwarder::AlertmanagerForwarder(std::string alertmanager_url, std::string external_url, PostFunction post,
                                             const MonitorClock& clock, std::chrono::milliseconds resend_interval)
    : url_([&] {
          while (alertmanager_url.ends_with('/')) alertmanager_url.pop_back();
          return alertmanager_url + "/api/v2/alerts";
      }()),
      external_url_(std::move(external_url)),
      post_(std::move(post)),
      clock_(clock),
      resend_interval_(resend_interval) {}

void AlertmanagerForwarder::update(const std::vector<Alert>& alerts) {
    std::set<std::pair<std::string, AlertState>> current;
    for (const auto& alert : alerts) {
        if (alert.state != AlertState::kPending) current.emplace(alert.fingerprint, alert.state);
    }
    const auto now = clock_.now();
    const bool changed = current != last_sent_;
    const bool firing =
        std::any_of(current.begin(), current.end(), [](const auto& a) { return a.second == AlertState::kFiring; });
    const bool resend_due = sent_once_ && firing && now - last_at_ >= resend_interval_;
    if (in_flight_ || (current.empty() && !sent_once_) || !(changed || resend_due)) return;
    in_flight_ = true;
    const std::int64_t ends = clock_.unix_ms(now) + 4 * resend_interval_.count();
    post_(url_, alertmanager_alerts(alerts, ends, external_url_).dump(), [this, alive = alive_, current, now](bool ok) {
        if (!*alive) return;
        in_flight_ = false;
        if (!ok) return;  // the next evaluation tries again: the set still differs
        last_sent_ = current;
        last_at_ = now;
        sent_once_ = true;
    });
}

}  // namespace vg::services::monitor
