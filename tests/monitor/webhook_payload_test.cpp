#include "services/monitor/webhook_payload.hpp"

#include <gtest/gtest.h>

namespace vg::services::monitor {
namespace {

Alert alert(const std::string& instance, AlertState state) {
    Alert a;
    a.name = "InstanceDown";
    a.state = state;
    a.severity = "critical";
    a.labels = {{"alertname", "InstanceDown"}, {"instance", instance}, {"role", "model"}, {"severity", "critical"}};
    a.annotations = {{"summary", instance + " is down"}, {"runbook", "https://runbooks/down"}};
    a.active_since_ms = 1'709'251'199'000;
    a.fired_at_ms = 1'709'251'200'000;
    if (state == AlertState::kResolved) a.resolved_at_ms = 1'709'251'260'500;
    a.fingerprint = fingerprint(a.labels);
    return a;
}

TEST(WebhookPayloadTest, HasAlertmanagersVersion4Shape) {
    const auto body =
        webhook_payload({alert("m:1", AlertState::kFiring), alert("m:2", AlertState::kResolved)},
                        {{"alertname", "InstanceDown"}}, PayloadContext{"visiongrid-monitor", "http://mon:8083"});
    EXPECT_EQ(body["version"], "4");
    EXPECT_EQ(body["groupKey"], "{}:{alertname=\"InstanceDown\"}");
    EXPECT_EQ(body["status"], "firing") << "firing while any alert fires";
    EXPECT_EQ(body["receiver"], "visiongrid-monitor");
    EXPECT_EQ(body["externalURL"], "http://mon:8083");
    EXPECT_EQ(body["truncatedAlerts"], 0);
    EXPECT_EQ(body["groupLabels"], (nlohmann::json{{"alertname", "InstanceDown"}}));
    EXPECT_EQ(body["commonLabels"],
              (nlohmann::json{{"alertname", "InstanceDown"}, {"role", "model"}, {"severity", "critical"}}));
    EXPECT_EQ(body["commonAnnotations"], (nlohmann::json{{"runbook", "https://runbooks/down"}}));
    ASSERT_EQ(body["alerts"].size(), 2u);
    const auto& firing = body["alerts"][0];
    EXPECT_EQ(firing["status"], "firing");
    EXPECT_EQ(firing["labels"]["instance"], "m:1");
    EXPECT_EQ(firing["annotations"]["summary"], "m:1 is down");
    EXPECT_EQ(firing["startsAt"], "2024-03-01T00:00:00.000Z");
    EXPECT_EQ(firing["endsAt"], "0001-01-01T00:00:00Z");
    EXPECT_EQ(firing["generatorURL"], "http://mon:8083/api/alerts");
    EXPECT_EQ(firing["fingerprint"].get<std::string>().size(), 16u);
    const auto& resolved = body["alerts"][1];
    EXPECT_EQ(resolved["status"], "resolved");
    EXPECT_EQ(resolved["endsAt"], "2024-03-01T00:01:00.500Z");
}

TEST(WebhookPayloadTest, ResolvedWhenNothingFires) {
    const auto body = webhook_payload({alert("m:1", AlertState::kResolved)}, {}, PayloadContext{"r", "http://x"});
    EXPECT_EQ(body["status"], "resolved");
    EXPECT_EQ(body["groupKey"], "{}:{}");
}

TEST(WebhookPayloadTest, GroupKeyQuotesValues) {
    EXPECT_EQ(group_key({{"alertname", "A"}, {"role", "say \"hi\""}}), "{}:{alertname=\"A\",role=\"say \\\"hi\\\"\"}");
}

TEST(AlertmanagerAlertsTest, FiringEndInTheFutureResolvedWhenResolvedPendingLeftOut) {
    const auto body = alertmanager_alerts(
        {alert("m:1", AlertState::kFiring), alert("m:2", AlertState::kResolved), alert("m:3", AlertState::kPending)},
        1'709'251'500'000, "http://mon:8083");
    ASSERT_EQ(body.size(), 2u);
    EXPECT_EQ(body[0]["labels"]["instance"], "m:1");
    EXPECT_EQ(body[0]["endsAt"], "2024-03-01T00:05:00.000Z");
    EXPECT_EQ(body[0]["startsAt"], "2024-03-01T00:00:00.000Z");
    EXPECT_EQ(body[0]["generatorURL"], "http://mon:8083/api/alerts");
    EXPECT_EQ(body[1]["endsAt"], "2024-03-01T00:01:00.500Z");
    EXPECT_FALSE(body[0].contains("status")) << "v2 postable alerts carry no status";
}

}  // namespace
}  // namespace vg::services::monitor
