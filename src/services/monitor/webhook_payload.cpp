#include "services/monitor/webhook_payload.hpp"

#include "services/monitor/monitor_clock.hpp"

namespace vg::services::monitor {

namespace {

// "0001-01-01T00:00:00Z": Go's zero time, what Alertmanager sends as endsAt of a firing alert.
constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

LabelMap common(const std::vector<Alert>& alerts, LabelMap Alert::*field) {
    if (alerts.empty()) return {};
    LabelMap shared = alerts.front().*field;
    for (const auto& alert : alerts) {
        std::erase_if(shared, [&](const auto& pair) {
            auto it = (alert.*field).find(pair.first);
            return it == (alert.*field).end() || it->second != pair.second;
        });
    }
    return shared;
}

std::string generator_url(const std::string& external_url) {
    return external_url + "/api/alerts";
}

}  // namespace

std::string group_key(const LabelMap& group_labels) {
    std::string key = "{}:{";
    bool first = true;
    for (const auto& [name, value] : group_labels) {
        if (!first) key += ',';
        first = false;
        key += name + "=" + nlohmann::json(value).dump();  // quoted and escaped as Go's %q would
    }
    return key + "}";
}

nlohmann::json webhook_payload(const std::vector<Alert>& alerts, const LabelMap& group_labels,
                               const PayloadContext& context) {
    nlohmann::json list = nlohmann::json::array();
    bool any_firing = false;
    for (const auto& alert : alerts) {
        const bool firing = alert.state == AlertState::kFiring;
        any_firing = any_firing || firing;
        list.push_back(
            {{"status", firing ? "firing" : "resolved"},
             {"labels", alert.labels},
             {"annotations", alert.annotations},
             {"startsAt", iso8601(alert.fired_at_ms.value_or(alert.active_since_ms))},
             {"endsAt", firing || !alert.resolved_at_ms ? std::string(kZeroTime) : iso8601(*alert.resolved_at_ms)},
             {"generatorURL", generator_url(context.external_url)},
             {"fingerprint", alert.fingerprint}});
    }
    return {{"version", "4"},
            {"groupKey", group_key(group_labels)},
            {"truncatedAlerts", 0},
            {"status", any_firing ? "firing" : "resolved"},
            {"receiver", context.receiver},
            {"groupLabels", group_labels},
            {"commonLabels", common(alerts, &Alert::labels)},
            {"commonAnnotations", common(alerts, &Alert::annotations)},
            {"externalURL", context.external_url},
            {"alerts", list}};
}

nlohmann::json alertmanager_alerts(const std::vector<Alert>& alerts, std::int64_t firing_ends_ms,
                                   const std::string& external_url) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& alert : alerts) {
        if (alert.state == AlertState::kPending) continue;
        const bool firing = alert.state == AlertState::kFiring;
        list.push_back({{"labels", alert.labels},
                        {"annotations", alert.annotations},
                        {"startsAt", iso8601(alert.fired_at_ms.value_or(alert.active_since_ms))},
                        {"endsAt", iso8601(firing ? firing_ends_ms : alert.resolved_at_ms.value_or(firing_ends_ms))},
                        {"generatorURL", generator_url(external_url)}});
    }
    return list;
}

}  // namespace vg::services::monitor
