// The real `visiongrid monitor` watching two real `visiongrid model` processes (remote engine against
// a fake OpenAI server), with a webhook receiver in the test: kill -9 one → a firing notification
// within the rule's `for:` plus two intervals; restart it on the same port → a resolved one.
#include <gtest/gtest.h>
#include <signal.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "integration/gateway_harness.hpp"
#include "support/fake_openai_server.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using std::chrono::steady_clock;

struct ModelProcess {
    std::unique_ptr<ChildProcess> process;
    unsigned short port = 0;
};

// One notification as the receiver got it.
struct Hook {
    steady_clock::time_point at;
    json body;
};

class MonitorAlertTest : public ::testing::Test {
protected:
    MonitorAlertTest()
        : receiver_([this](const RecordedRequest& request) {
              std::lock_guard lock(mutex_);
              hooks_.push_back({steady_clock::now(), json::parse(request.body, nullptr, false)});
              return Reply::ok();
          }) {}

    ModelProcess start_model(unsigned short port) {
        ModelProcess model;
        model.process = std::make_unique<ChildProcess>(
            VG_BINARY, std::vector<std::string>{"model", "--set", "model.engine=remote", "--set",
                                                "model.remote.url=" + openai_.base_url(), "--set",
                                                "model.remote.model=m", "--set", "model.server.port=" + port_text(port),
                                                "--set", "model.server.host=127.0.0.1", "--set", "log.level=warn"});
        model.port = model.process->wait_for_port();
        auto ready = model.process->wait_for_line("visiongrid model", 30s);
        EXPECT_TRUE(ready && ready->find("ready") != std::string::npos) << model.process->stderr_text();
        return model;
    }

    // The first notification received after `since` that says `status` for `instance`.
    std::optional<Hook> hook_for(const std::string& instance, const std::string& status,
                                 steady_clock::time_point since) const {
        std::lock_guard lock(mutex_);
        for (const auto& hook : hooks_) {
            if (hook.at < since || !hook.body.is_object()) continue;
            for (const auto& alert : hook.body["alerts"]) {
                if (alert["labels"]["instance"] == instance && alert["status"] == status) return hook;
            }
        }
        return std::nullopt;
    }

    json cluster(unsigned short monitor_port) const {
        auto response = http_request(monitor_port, "GET", "/api/cluster");
        return response && response->status == 200 ? json::parse(response->body, nullptr, false) : json();
    }

    // {instance: up} from /api/cluster, for instances that have been scraped.
    std::map<std::string, bool> up_by_instance(unsigned short monitor_port) const {
        std::map<std::string, bool> out;
        const json body = cluster(monitor_port);
        if (!body.is_object()) return out;
        for (const auto& row : body["instances"]) {
            if (!row["last_scrape"].is_null()) out[row["instance"]] = row["up"];
        }
        return out;
    }

    FakeOpenAiServer openai_;
    mutable std::mutex mutex_;
    std::vector<Hook> hooks_;
    FakeUpstream receiver_;
};

TEST_F(MonitorAlertTest, KilledInstanceAlertsAndResolvesAfterRestart) {
    ModelProcess a = start_model(0);
    ModelProcess b = start_model(0);
    const std::string id_a = "127.0.0.1:" + port_text(a.port);
    const std::string id_b = "127.0.0.1:" + port_text(b.port);

    constexpr auto kInterval = 200ms;  // scrape and evaluation
    constexpr auto kFor = 1s;
    // Detection takes at most a scrape interval, firing `for:` after that at an evaluation, and the
    // notification goes out from that same evaluation (group_wait 0): for + 2 intervals, plus slack
    // for a busy machine.
    constexpr auto kBound = kFor + 2 * kInterval + 1500ms;
    TempFile file(".yaml");
    file.write(fill(R"(log: {level: warn}
monitor:
  server: {host: 127.0.0.1, port: 0}
  scrape: {interval: 200ms, timeout: 200ms, retention: 1m, rate_window: 1s}
  targets:
    - {role: model, instances: ["@A@", "@B@"]}
  alerts:
    evaluation_interval: 200ms
    rules:
      - {name: InstanceDown, kind: instance_down, for: 1s, severity: critical}
    notify: {webhooks: ["http://127.0.0.1:@R@/hook"], group_wait: 0s, group_interval: 200ms, repeat_interval: 1h}
)",
                    {{"A", id_a}, {"B", id_b}, {"R", port_text(receiver_.port())}}));
    ChildProcess monitor(VG_BINARY, {"monitor", "--config", file.path()});
    const unsigned short port = monitor.wait_for_port();

    ASSERT_TRUE(poll_until([&] {
        auto up = up_by_instance(port);
        return up[id_a] && up[id_b];
    })) << cluster(port).dump()
        << monitor.stderr_text();
    const json both = cluster(port);
    ASSERT_EQ(both["instances"].size(), 2u);
    for (const auto& row : both["instances"]) EXPECT_EQ(row["role"], "model");

    const auto killed_at = steady_clock::now();
    b.process->signal(SIGKILL);
    ASSERT_TRUE(b.process->wait(5s));
    ASSERT_TRUE(poll_until([&] { return hook_for(id_b, "firing", killed_at).has_value(); }))
        << "no firing notification for " << id_b << "\n"
        << monitor.stderr_text();
    const auto firing = *hook_for(id_b, "firing", killed_at);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(firing.at - killed_at);
    RecordProperty("firing_notification_after_kill_ms", static_cast<int>(took.count()));
    EXPECT_LE(took, kBound) << "took " << took.count() << " ms";
    EXPECT_GE(took, kFor) << "fired before the rule's `for:` had passed";
    EXPECT_EQ(firing.body["status"], "firing");
    EXPECT_EQ(firing.body["version"], "4");
    EXPECT_EQ(firing.body["alerts"].size(), 1u) << "the live instance has no alert: " << firing.body.dump();
    EXPECT_EQ(firing.body["commonLabels"]["role"], "model");

    auto up = up_by_instance(port);
    EXPECT_TRUE(up[id_a]);
    EXPECT_FALSE(up[id_b]);
    auto alerts = http_request(port, "GET", "/api/alerts");
    ASSERT_TRUE(alerts);
    const json firing_alerts = json::parse(alerts->body)["alerts"];
    ASSERT_EQ(firing_alerts.size(), 1u) << alerts->body;
    EXPECT_EQ(firing_alerts[0]["state"], "firing");
    EXPECT_EQ(firing_alerts[0]["labels"]["instance"], id_b);

    const auto restarted_at = steady_clock::now();
    ModelProcess restarted = start_model(b.port);
    ASSERT_EQ(restarted.port, b.port);
    ASSERT_TRUE(poll_until([&] { return hook_for(id_b, "resolved", restarted_at).has_value(); }))
        << "no resolved notification\n"
        << monitor.stderr_text();
    const auto resolved = *hook_for(id_b, "resolved", restarted_at);
    RecordProperty(
        "resolved_notification_after_restart_ms",
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(resolved.at - restarted_at).count()));
    EXPECT_EQ(resolved.body["status"], "resolved");
    EXPECT_FALSE(resolved.body["alerts"][0]["endsAt"].get<std::string>().starts_with("0001"))
        << "a resolved alert has ended";
    EXPECT_TRUE(up_by_instance(port)[id_b]);

    monitor.signal(SIGTERM);
    EXPECT_EQ(monitor.wait(10s), 0) << monitor.stderr_text();
}

}  // namespace
}  // namespace vg::test
