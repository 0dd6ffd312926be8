#include "services/monitor/alertmanager_forwarder.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

Alert alert(const std::string& instance, AlertState state) {
    Alert a;
    a.name = "InstanceDown";
    a.state = state;
    a.labels = {{"alertname", "InstanceDown"}, {"instance", instance}};
    a.active_since_ms = 1000;
    a.fired_at_ms = 2000;
    if (state == AlertState::kResolved) a.resolved_at_ms = 3000;
    a.fingerprint = fingerprint(a.labels);
    return a;
}

class AlertmanagerForwarderTest : public ::testing::Test {
protected:
    AlertmanagerForwarderTest()
        : clock_(steady_, 0),
          forwarder_(
              "http://am:9093/", "http://mon:8083",
              [this](const std::string& url, std::string body, std::function<void(bool)> done) {
                  urls_.push_back(url);
                  bodies_.push_back(json::parse(body));
                  done(ok_);
              },
              clock_, 1min) {}

    std::size_t posts_after(std::chrono::milliseconds advance, const std::vector<Alert>& alerts) {
        steady_.advance(advance);
        const std::size_t before = bodies_.size();
        forwarder_.update(alerts);
        return bodies_.size() - before;
    }

    cluster::FakeClock steady_;
    MonitorClock clock_;
    bool ok_ = true;
    std::vector<std::string> urls_;
    std::vector<json> bodies_;
    AlertmanagerForwarder forwarder_;
};

TEST_F(AlertmanagerForwarderTest, PostsChangesAndResendsFiringAlerts) {
    EXPECT_EQ(posts_after(0s, {}), 0u) << "nothing to say yet";
    EXPECT_EQ(posts_after(0s, {alert("m:1", AlertState::kPending)}), 0u);
    const auto firing = alert("m:1", AlertState::kFiring);
    ASSERT_EQ(posts_after(1s, {firing}), 1u);
    EXPECT_EQ(urls_.back(), "http://am:9093/api/v2/alerts");
    EXPECT_EQ(bodies_.back()[0]["endsAt"], iso8601(1000 + 4 * 60'000)) << "four resend intervals ahead";
    EXPECT_EQ(posts_after(30s, {firing}), 0u);
    EXPECT_EQ(posts_after(30s, {firing}), 1u) << "resent after a minute";
    const auto resolved = alert("m:1", AlertState::kResolved);
    ASSERT_EQ(posts_after(1s, {resolved}), 1u);
    EXPECT_EQ(bodies_.back()[0]["endsAt"], iso8601(3000));
    EXPECT_EQ(posts_after(2min, {resolved}), 0u) << "nothing firing: no resends";
}

TEST_F(AlertmanagerForwarderTest, RetriesAFailedPost) {
    ok_ = false;
    const auto firing = alert("m:1", AlertState::kFiring);
    EXPECT_EQ(posts_after(1s, {firing}), 1u);
    ok_ = true;
    EXPECT_EQ(posts_after(1s, {firing}), 1u) << "still unsent: tried again at the next evaluation";
    EXPECT_EQ(posts_after(1s, {firing}), 0u);
}

}  // namespace
}  // namespace vg::services::monitor
