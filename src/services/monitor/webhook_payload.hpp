#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "services/monitor/alert.hpp"

namespace vg::services::monitor {

// What every payload names besides the alerts.
struct PayloadContext {
    std::string receiver;      // "receiver"
    std::string external_url;  // the monitor's own address: externalURL, and generatorURL's base
};

// The group key Alertmanager writes for a route without matchers: `{}:{alertname="X",role="model"}`.
std::string group_key(const LabelMap& group_labels);

// Alertmanager's webhook body (version "4"): status firing while any alert fires, groupLabels,
// commonLabels / commonAnnotations (pairs every alert shares), and alerts[] with status, labels,
// annotations, startsAt, endsAt ("0001-01-01T00:00:00Z" while firing), generatorURL and fingerprint.
nlohmann::json webhook_payload(const std::vector<Alert>& alerts, const LabelMap& group_labels,
                               const PayloadContext& context);

// The body of Alertmanager's POST /api/v2/alerts: firing alerts end at `firing_ends_ms` unless
// re-sent (so they resolve on their own if the monitor dies), resolved ones when they were resolved.
nlohmann::json alertmanager_alerts(const std::vector<Alert>& alerts, std::int64_t firing_ends_ms,
                                   const std::string& external_url);

}  // namespace vg::services::monitor
