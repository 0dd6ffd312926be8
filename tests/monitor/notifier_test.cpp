// Grouping, group_wait / group_interval / repeat_interval, deduplication and retries, with time moved by hand.
#include "services/monitor/notifier.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct Post {
    std::string url;
    json body;
    std::function<void(bool)> done;
};

Alert alert(const std::string& name, const std::string& instance, AlertState state) {
    Alert a;
    a.name = name;
    a.state = state;
    a.severity = "critical";
    a.labels = {{"alertname", name}, {"instance", instance}, {"role", "model"}, {"severity", "critical"}};
    a.active_since_ms = 1000;
    a.fired_at_ms = 2000;
    if (state == AlertState::kResolved) a.resolved_at_ms = 3000;
    a.fingerprint = fingerprint(a.labels);
    return a;
}

class NotifierTest : public ::testing::Test {
protected:
    NotifierTest() : clock_(steady_, 0) {
        config_.webhooks = {"http://hook/a"};
        config_.group_wait = 5s;
        config_.group_interval = 1min;
        config_.repeat_interval = 4h;
    }

    std::unique_ptr<Notifier> make() {
        return std::make_unique<Notifier>(
            config_, PayloadContext{"visiongrid-monitor", "http://mon:8083"},
            [this](const std::string& url, std::string body, std::function<void(bool)> done) {
                posts_.push_back({url, json::parse(body), std::move(done)});
            },
            clock_);
    }

    // Moves time, feeds the alerts, flushes; the POSTs made complete with `ok`.
    std::vector<Post> at(Notifier& notifier, std::chrono::milliseconds advance, const std::vector<Alert>& alerts,
                         bool ok = true) {
        steady_.advance(advance);
        notifier.update(alerts);
        notifier.flush();
        std::vector<Post> made(posts_.begin(), posts_.end());
        posts_.clear();
        for (auto& post : made) post.done(ok);
        return made;
    }

    static std::vector<std::string> statuses(const json& body) {
        std::vector<std::string> out;
        for (const auto& a : body["alerts"])
            out.push_back(a["labels"]["instance"].get<std::string>() + ":" + a["status"].get<std::string>());
        return out;
    }

    cluster::FakeClock steady_;
    MonitorClock clock_;
    NotifyConfig config_;
    std::deque<Post> posts_;
};

TEST_F(NotifierTest, WaitsGroupWaitThenSendsTheWholeGroupOnce) {
    auto notifier = make();
    const auto a = alert("InstanceDown", "m:1", AlertState::kFiring);
    const auto b = alert("InstanceDown", "m:2", AlertState::kFiring);
    EXPECT_TRUE(at(*notifier, 0s, {a}).empty()) << "group_wait";
    EXPECT_TRUE(at(*notifier, 4s, {a, b}).empty());
    auto sent = at(*notifier, 1s, {a, b});
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].url, "http://hook/a");
    EXPECT_EQ(sent[0].body["groupKey"], "{}:{alertname=\"InstanceDown\"}");
    const auto got = statuses(sent[0].body);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), (std::set<std::string>{"m:1:firing", "m:2:firing"}));
    EXPECT_TRUE(at(*notifier, 1min, {a, b}).empty()) << "nothing new: deduplicated";
    EXPECT_TRUE(at(*notifier, 1h, {a, b}).empty());
}

TEST_F(NotifierTest, SeparateGroupsByGroupBy) {
    auto notifier = make();
    auto sent = at(*notifier, 5s, {});
    sent = at(*notifier, 0s,
              {alert("InstanceDown", "m:1", AlertState::kFiring), alert("BreakerOpen", "m:1", AlertState::kFiring)});
    EXPECT_TRUE(sent.empty());
    sent = at(*notifier, 5s,
              {alert("InstanceDown", "m:1", AlertState::kFiring), alert("BreakerOpen", "m:1", AlertState::kFiring)});
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(notifier->groups(), 2u);
}

TEST_F(NotifierTest, ANewFiringAlertGoesOutAtTheNextGroupInterval) {
    auto notifier = make();
    const auto a = alert("InstanceDown", "m:1", AlertState::kFiring);
    const auto b = alert("InstanceDown", "m:2", AlertState::kFiring);
    ASSERT_EQ(at(*notifier, 5s, {a}).size(), 0u);  // group created now: waits
    ASSERT_EQ(at(*notifier, 5s, {a}).size(), 1u);
    EXPECT_TRUE(at(*notifier, 30s, {a, b}).empty()) << "not before group_interval";
    auto sent = at(*notifier, 30s, {a, b});
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].body["alerts"].size(), 2u);
}

TEST_F(NotifierTest, ResolutionIsSentThenTheGroupIsForgotten) {
    auto notifier = make();
    const auto firing = alert("InstanceDown", "m:1", AlertState::kFiring);
    const auto resolved = alert("InstanceDown", "m:1", AlertState::kResolved);
    at(*notifier, 0s, {firing});
    ASSERT_EQ(at(*notifier, 5s, {firing}).size(), 1u);
    auto sent = at(*notifier, 1min, {resolved});
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].body["status"], "resolved");
    EXPECT_EQ(statuses(sent[0].body), (std::vector<std::string>{"m:1:resolved"}));
    EXPECT_EQ(notifier->groups(), 0u);
    EXPECT_TRUE(at(*notifier, 1min, {resolved}).empty()) << "the evaluator still lists it; it was told already";
}

TEST_F(NotifierTest, PartialResolutionIsSent) {
    auto notifier = make();
    const auto a = alert("InstanceDown", "m:1", AlertState::kFiring);
    const auto b = alert("InstanceDown", "m:2", AlertState::kFiring);
    at(*notifier, 0s, {a, b});
    ASSERT_EQ(at(*notifier, 5s, {a, b}).size(), 1u);
    auto sent = at(*notifier, 1min, {a, alert("InstanceDown", "m:2", AlertState::kResolved)});
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].body["status"], "firing");
    std::set<std::string> got;
    for (const auto& s : statuses(sent[0].body)) got.insert(s);
    EXPECT_EQ(got, (std::set<std::string>{"m:1:firing", "m:2:resolved"}));
    EXPECT_TRUE(at(*notifier, 1min, {a}).empty()) << "m:2 was told and left the group";
}

TEST_F(NotifierTest, RepeatsAnUnchangedFiringGroupAfterRepeatInterval) {
    config_.repeat_interval = 10min;
    auto notifier = make();
    const auto a = alert("InstanceDown", "m:1", AlertState::kFiring);
    at(*notifier, 0s, {a});
    ASSERT_EQ(at(*notifier, 5s, {a}).size(), 1u);
    int repeats = 0;
    for (int i = 0; i < 10; ++i) repeats += static_cast<int>(at(*notifier, 1min, {a}).size());
    EXPECT_EQ(repeats, 1) << "once in ten minutes";
}

TEST_F(NotifierTest, AFailedPostIsRetriedAtTheNextInterval) {
    auto notifier = make();
    const auto a = alert("InstanceDown", "m:1", AlertState::kFiring);
    at(*notifier, 0s, {a});
    ASSERT_EQ(at(*notifier, 5s, {a}, false).size(), 1u);
    EXPECT_EQ(notifier->failed(), 1u);
    EXPECT_TRUE(at(*notifier, 30s, {a}).empty());
    ASSERT_EQ(at(*notifier, 30s, {a}).size(), 1u) << "retried";
    EXPECT_EQ(notifier->sent(), 1u);
    EXPECT_TRUE(at(*notifier, 1min, {a}).empty());
}

TEST_F(NotifierTest, AnAlertThatFiredAndResolvedBeforeGroupWaitIsNeverSent) {
    auto notifier = make();
    at(*notifier, 0s, {alert("InstanceDown", "m:1", AlertState::kFiring)});
    EXPECT_TRUE(at(*notifier, 5s, {alert("InstanceDown", "m:1", AlertState::kResolved)}).empty());
    EXPECT_EQ(notifier->groups(), 0u);
}

TEST_F(NotifierTest, EveryWebhookGetsItsOwnDeliveries) {
    config_.webhooks = {"http://hook/a", "http://hook/b"};
    auto notifier = make();
    const auto a = alert("InstanceDown", "m:1", AlertState::kFiring);
    at(*notifier, 0s, {a});
    steady_.advance(5s);
    notifier->update({a});
    notifier->flush();
    ASSERT_EQ(posts_.size(), 2u);
    posts_[0].done(true);
    posts_[1].done(false);
    posts_.clear();
    auto sent = at(*notifier, 1min, {a});
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].url, "http://hook/b") << "only the one that failed";
}

TEST_F(NotifierTest, PendingAlertsAreNotNotified) {
    auto notifier = make();
    EXPECT_TRUE(at(*notifier, 0s, {alert("InstanceDown", "m:1", AlertState::kPending)}).empty());
    EXPECT_TRUE(at(*notifier, 10s, {alert("InstanceDown", "m:1", AlertState::kPending)}).empty());
    EXPECT_EQ(notifier->groups(), 0u);
}

TEST_F(NotifierTest, GroupByEverything) {
    config_.group_by = {"..."};
    auto notifier = make();
    const auto a = alert("InstanceDown", "m:1", AlertState::kFiring);
    const auto b = alert("InstanceDown", "m:2", AlertState::kFiring);
    at(*notifier, 0s, {a, b});
    EXPECT_EQ(at(*notifier, 5s, {a, b}).size(), 2u);
}

TEST_F(NotifierTest, FlushSaysWhenItNextNeedsToRun) {
    auto notifier = make();
    EXPECT_FALSE(notifier->flush());
    notifier->update({alert("InstanceDown", "m:1", AlertState::kFiring)});
    EXPECT_EQ(notifier->flush(), steady_.now() + 5s);
}

}  // namespace
}  // namespace vg::services::monitor
