// The monitor service in-process on loopback, against fake instances and a fake webhook receiver:
// its API, its alerts reaching the receiver, and its console files.
#include "services/monitor/monitor_service.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "obs/health.hpp"
#include "support/fake_upstream.hpp"
#include "support/raw_http.hpp"

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::FakeUpstream;
using test::RecordedRequest;
using test::Reply;
using ::testing::HasSubstr;

bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = test::kDefaultWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// A model instance whose request counter grows by 10 at every scrape, one in ten of them 5xx.
class FakeModel {
public:
    FakeModel()
        : upstream_([this](const RecordedRequest& r) {
              if (r.target == "/health" || r.target == "/ready") return Reply::ok("{}");
              if (r.target != "/metrics") return Reply::respond(404);
              const int n = ++scrapes_;
              return Reply::ok("visiongrid_http_requests_total{route=\"/api/model/infer\",status=\"200\"} " +
                               std::to_string(9 * n) +
                               "\nvisiongrid_http_requests_total{route=\"/api/model/infer\",status=\"500\"} " +
                               std::to_string(n) + "\nvisiongrid_model_queue_depth 2\n");
          }) {}
    std::string id() const { return "127.0.0.1:" + std::to_string(upstream_.port()); }

private:
    std::atomic<int> scrapes_{0};
    FakeUpstream upstream_;
};

class MonitorServiceTest : public ::testing::Test {
protected:
    MonitorServiceTest()
        : receiver_([this](const RecordedRequest& r) {
              std::lock_guard lock(mutex_);
              hooks_.push_back(json::parse(r.body, nullptr, false));
              return Reply::ok();
          }),
          logs_(LogConfig{"text", "off", {}}, "monitor") {
        std::string pattern = (std::filesystem::temp_directory_path() / "vg-monitor-console-XXXXXX").string();
        console_dir_ = ::mkdtemp(pattern.data());
        std::ofstream(console_dir_ + "/index.html") << "<!doctype html><title>VisionGrid</title>";
        {
            FakeUpstream gone;  // a port nobody listens on once it is destroyed
            dead_ = "127.0.0.1:" + std::to_string(gone.port());
        }
        config_ = parse_monitor_config(ConfigNode(YAML::Load(R"(
server: {host: 127.0.0.1, port: 0}
scrape: {interval: 100ms, timeout: 100ms, retention: 1m, rate_window: 1s}
targets:
  - {role: model, instances: [")" + model_.id() + "\", \"" + dead_ +
                                                             R"("]}
alerts:
  evaluation_interval: 100ms
  rules:
    - {name: InstanceDown, kind: instance_down, for: 300ms, severity: critical, annotations: {summary: "{{ $labels.instance }} down"}}
  notify: {webhooks: ["http://127.0.0.1:)" + std::to_string(receiver_.port()) +
                                                             R"(/hook"], group_wait: 0s, group_interval: 100ms}
console: {dir: ")" + console_dir_ + R"(", api_base: "http://gateway.example:8080"}
)"),
                                                  YAML::Node(YAML::NodeType::Map), "monitor"));
        service_ = std::make_unique<MonitorService>(config_, MonitorDeps{registry_, readiness_, logs_});
        service_->start();
    }
    ~MonitorServiceTest() override {
        service_->stop();
        std::filesystem::remove_all(console_dir_);
    }

    json get_json(const std::string& target, int expected_status = 200) const {
        auto response = test::http_request(service_->port(), "GET", target);
        EXPECT_TRUE(response);
        if (!response) return {};
        EXPECT_EQ(response->status, expected_status) << target << ": " << response->body;
        EXPECT_EQ(response->headers.get_or("Content-Type", ""), "application/json");
        return json::parse(response->body, nullptr, false);
    }

    json instance_row(const std::string& id) const {
        const json cluster = get_json("/api/cluster");
        for (const auto& row : cluster["instances"]) {
            if (row["instance"] == id) return row;
        }
        return {};
    }

    std::vector<json> hooks() const {
        std::lock_guard lock(mutex_);
        return hooks_;
    }

    FakeModel model_;
    std::string dead_;
    mutable std::mutex mutex_;
    std::vector<json> hooks_;
    FakeUpstream receiver_;
    std::string console_dir_;
    prometheus::Registry registry_;
    obs::Readiness readiness_;
    LogSystem logs_;
    MonitorConfig config_;
    std::unique_ptr<MonitorService> service_;
};

TEST_F(MonitorServiceTest, ClusterShowsEveryInstanceWithRoleStateAndFigures) {
    ASSERT_TRUE(poll_until([&] {
        const json row = instance_row(model_.id());
        return row.is_object() && row["figures"]["requests_per_second"].is_number();
    })) << get_json("/api/cluster").dump();
    const json cluster = get_json("/api/cluster");
    EXPECT_THAT(cluster["generated_at"].get<std::string>(), HasSubstr("T"));
    ASSERT_EQ(cluster["instances"].size(), 2u);
    const json up = instance_row(model_.id());
    EXPECT_EQ(up["role"], "model");
    EXPECT_EQ(up["up"], true);
    EXPECT_EQ(up["ready"], true);
    EXPECT_TRUE(up["error"].is_null());
    EXPECT_TRUE(up["last_scrape"].is_string());
    EXPECT_GT(up["figures"]["requests_per_second"].get<double>(), 0);
    EXPECT_DOUBLE_EQ(up["figures"]["error_ratio"].get<double>(), 0.1) << "1 in 10, whatever the timing";
    EXPECT_EQ(up["figures"]["queue_depth"], 2);
    EXPECT_TRUE(up["figures"]["p99_ms"].is_null()) << "no histogram exposed";
    const json down = instance_row(dead_);
    EXPECT_EQ(down["role"], "model");
    EXPECT_EQ(down["up"], false);
    EXPECT_THAT(down["error"].get<std::string>(), HasSubstr("connect_failed"));
}

TEST_F(MonitorServiceTest, ADeadInstanceFiresAnAlertThatReachesTheWebhook) {
    ASSERT_TRUE(poll_until([&] {
        for (const auto& hook : hooks()) {
            if (hook.value("status", "") == "firing") return true;
        }
        return false;
    })) << "no firing notification";
    json firing;
    for (const auto& hook : hooks()) {
        if (hook.value("status", "") == "firing") firing = hook;
    }
    EXPECT_EQ(firing["version"], "4");
    EXPECT_EQ(firing["groupLabels"]["alertname"], "InstanceDown");
    ASSERT_EQ(firing["alerts"].size(), 1u) << "only the dead instance";
    EXPECT_EQ(firing["alerts"][0]["labels"]["instance"], dead_);
    EXPECT_EQ(firing["alerts"][0]["annotations"]["summary"], dead_ + " down");

    const json alerts = get_json("/api/alerts")["alerts"];
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0]["name"], "InstanceDown");
    EXPECT_EQ(alerts[0]["state"], "firing");
    EXPECT_EQ(alerts[0]["severity"], "critical");
    EXPECT_TRUE(alerts[0]["resolved_at"].is_null());
    EXPECT_GE(get_json("/api/cluster")["alerts_firing"].get<int>(), 1);
    EXPECT_EQ(hooks().size(), 1u) << "deduplicated: one notification while nothing changes";
}

TEST_F(MonitorServiceTest, SeriesOfFiguresAndRawMetrics) {
    ASSERT_TRUE(poll_until([&] {
        const json body = get_json("/api/series?name=requests_per_second&instance=" + model_.id() + "&range=30s");
        return body["series"].size() == 1 && body["series"][0]["points"].size() >= 2;
    }));
    json body = get_json("/api/series?name=requests_per_second&range=30s");
    EXPECT_EQ(body["name"], "requests_per_second");
    EXPECT_EQ(body["range_seconds"], 30);
    EXPECT_EQ(body["series"][0]["instance"], model_.id());
    const json point = body["series"][0]["points"][0];
    EXPECT_GT(point[0].get<std::int64_t>(), 1'600'000'000'000) << "Unix milliseconds";
    body = get_json("/api/series?name=visiongrid_http_requests_total&instance=" + model_.id());
    EXPECT_EQ(body["range_seconds"], 60) << "the retention";
    ASSERT_EQ(body["series"].size(), 2u);
    EXPECT_EQ(body["series"][1]["labels"]["status"], "500");
    EXPECT_TRUE(get_json("/api/series?name=no_such_metric")["series"].empty());
    const json bad = get_json("/api/series?name=x&range=forever", 400);
    EXPECT_EQ(bad["error"]["code"], "invalid_parameter");
    EXPECT_EQ(get_json("/api/series", 400)["error"]["code"], "invalid_parameter");
}

TEST_F(MonitorServiceTest, ServesTheConsole) {
    auto index = test::http_request(service_->port(), "GET", "/console/");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->status, 200);
    EXPECT_EQ(index->body, "<!doctype html><title>VisionGrid</title>");
    EXPECT_EQ(index->headers.get_or("Content-Type", ""), "text/html; charset=utf-8");
    EXPECT_EQ(test::http_request(service_->port(), "GET", "/console/index.html")->body, index->body);
    // The pages link their files relatively, so they are only ever loaded from /console/.
    for (const char* target : {"/", "/console"}) {
        auto moved = test::http_request(service_->port(), "GET", target);
        ASSERT_TRUE(moved);
        EXPECT_TRUE(moved->status == 301 || moved->status == 302) << target;
        EXPECT_EQ(moved->headers.get_or("Location", ""), "/console/") << target;
    }
    const json config = get_json("/console/config.json");
    EXPECT_EQ(config, (json{{"api_base", "http://gateway.example:8080"}}));
    auto traversal = test::http_request(service_->port(), "GET", "/console/%2e%2e/%2e%2e/etc/passwd");
    ASSERT_TRUE(traversal);
    EXPECT_EQ(traversal->status, 400);
    EXPECT_THAT(traversal->body, HasSubstr("invalid_path"));
    EXPECT_EQ(test::http_request(service_->port(), "GET", "/console/missing.js")->status, 404);
}

TEST_F(MonitorServiceTest, ExposesItsOwnHealthAndMetrics) {
    EXPECT_EQ(test::http_request(service_->port(), "GET", "/health")->status, 200);
    EXPECT_EQ(test::http_request(service_->port(), "GET", "/ready")->status, 200);
    ASSERT_TRUE(poll_until([&] {
        auto metrics = test::http_request(service_->port(), "GET", "/metrics");
        return metrics &&
               test::metric_value(metrics->body, "visiongrid_monitor_scrapes_total{outcome=\"down\",role=\"model\"}")
                       .value_or(0) >= 1;
    }));
}

}  // namespace
}  // namespace vg::services::monitor
