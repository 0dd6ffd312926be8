#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "services/monitor/alert.hpp"
#include "services/monitor/monitor_clock.hpp"
#include "services/monitor/notifier.hpp"

namespace vg::services::monitor {

// Hands alerts to a real Alertmanager (POST <url>/api/v2/alerts), as Prometheus does: the firing and
// resolved alerts whenever that set changed, and again every resend_interval while any fires (a POST
// that failed is retried at the next evaluation; one that succeeded is not repeated). Firing alerts carry an
// endsAt four resend intervals ahead, so Alertmanager resolves them itself if the monitor stops.
// Grouping and deduplication are Alertmanager's. Not thread-safe (the monitor's loop calls it).
class AlertmanagerForwarder {
public:
    AlertmanagerForwarder(std::string alertmanager_url, std::string external_url, PostFunction post,
                          const MonitorClock& clock,
                          std::chrono::milliseconds resend_interval = std::chrono::minutes(1));
    ~AlertmanagerForwarder() { *alive_ = false; }
    AlertmanagerForwarder(const AlertmanagerForwarder&) = delete;
    AlertmanagerForwarder& operator=(const AlertmanagerForwarder&) = delete;

    void update(const std::vector<Alert>& alerts);

private:
    const std::string url_;
    const std::string external_url_;
    PostFunction post_;
    const MonitorClock& clock_;
    const std::chrono::milliseconds resend_interval_;
    std::set<std::pair<std::string, AlertState>> last_sent_;
    std::chrono::steady_clock::time_point last_at_{};
    bool sent_once_ = false;
    bool in_flight_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vg::services::monitor
