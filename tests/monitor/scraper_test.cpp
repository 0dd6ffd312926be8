// The scraper against fake instances on loopback: what it records, and that a hung instance delays
// no one else.
#include "services/monitor/scraper.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "net/http_client.hpp"
#include "services/monitor/instance_registry.hpp"
#include "services/monitor/monitor_clock.hpp"
#include "services/monitor/series_store.hpp"
#include "support/fake_upstream.hpp"

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using test::FakeUpstream;
using test::RecordedRequest;
using test::Reply;
using ::testing::HasSubstr;

constexpr const char* kExposition =
    "# TYPE visiongrid_model_queue_depth gauge\n"
    "visiongrid_model_queue_depth 3\n";

// An instance answering /health, /ready (`ready`) and /metrics.
Reply instance_reply(const RecordedRequest& request, bool ready) {
    if (request.target == "/health") return Reply::ok("{\"status\":\"ok\"}");
    if (request.target == "/ready") return Reply::respond(ready ? 200 : 503, "{}");
    if (request.target == "/metrics") return Reply::ok(kExposition);
    return Reply::respond(404);
}

std::size_t requests_to(const FakeUpstream& upstream, const std::string& target) {
    std::size_t n = 0;
    for (const auto& r : upstream.requests()) n += r.target == target ? 1 : 0;
    return n;
}

bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = test::kDefaultWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

class ScraperTest : public ::testing::Test {
protected:
    ScraperTest()
        : work_(io_.get_executor()),
          client_(io_, net::ClientConfig{}),
          clock_(steady_),
          store_(StoreLimits{100, 1000}) {
        thread_ = std::thread([this] { io_.run(); });
    }
    ~ScraperTest() override {
        if (scraper_) {
            std::promise<void> stopped;
            boost::asio::post(io_, [&] {
                scraper_->stop();
                stopped.set_value();
            });
            stopped.get_future().wait();
        }
        client_.shutdown();
        work_.reset();
        io_.stop();
        thread_.join();
    }

    void start(ScrapeConfig config, std::map<std::string, std::string> members) {
        scraper_ = std::make_unique<Scraper>(
            config, ScraperDeps{io_, client_, clock_, registry_, store_, Logger{},
                                [this](const std::string&, const InstanceScrape&) { ++scraped_; }});
        set_members(std::move(members));
        scraper_->start();
    }

    void set_members(std::map<std::string, std::string> members) {
        std::promise<void> done;
        boost::asio::post(io_, [&] {
            scraper_->set_members(members);
            done.set_value();
        });
        done.get_future().wait();
    }

    static std::string id(const FakeUpstream& upstream) { return "127.0.0.1:" + std::to_string(upstream.port()); }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    net::HttpClient client_;
    cluster::SteadyClock steady_;
    MonitorClock clock_;
    InstanceRegistry registry_;
    SeriesStore store_;
    std::atomic<int> scraped_{0};
    std::unique_ptr<Scraper> scraper_;
    std::thread thread_;
};

TEST_F(ScraperTest, RecordsUpReadyAndSamples) {
    FakeUpstream model([](const RecordedRequest& r) { return instance_reply(r, false); });
    start(ScrapeConfig{.interval = 50ms, .timeout = 1s}, {{id(model), "model"}});
    ASSERT_TRUE(poll_until([&] { return scraped_ >= 2; }));
    const auto status = registry_.find(id(model));
    ASSERT_TRUE(status);
    EXPECT_EQ(status->role, "model");
    EXPECT_TRUE(status->scraped);
    EXPECT_TRUE(status->up);
    EXPECT_FALSE(status->ready) << "/ready answered 503";
    EXPECT_FALSE(status->error);
    EXPECT_TRUE(status->last_scrape_ms);
    const auto series = store_.select("visiongrid_model_queue_depth", id(model), 0);
    ASSERT_EQ(series.size(), 1u);
    EXPECT_GE(series[0].points.size(), 2u);
    EXPECT_EQ(series[0].points.back().value, 3);
}

TEST_F(ScraperTest, ARefusedConnectionIsDown) {
    std::string gone;
    {
        FakeUpstream stopped;
        gone = id(stopped);
    }
    start(ScrapeConfig{.interval = 50ms, .timeout = 1s}, {{gone, "model"}});
    ASSERT_TRUE(poll_until([&] { return scraped_ >= 1; }));
    const auto status = registry_.find(gone);
    EXPECT_TRUE(status->scraped);
    EXPECT_FALSE(status->up);
    EXPECT_THAT(status->error.value_or(""), HasSubstr("health: connect_failed"));
}

TEST_F(ScraperTest, BadMetricsAreAnErrorButTheInstanceIsUp) {
    FakeUpstream model([](const RecordedRequest& r) {
        return r.target == "/metrics" ? Reply::ok("not { a metric") : instance_reply(r, true);
    });
    start(ScrapeConfig{.interval = 50ms, .timeout = 1s}, {{id(model), "model"}});
    ASSERT_TRUE(poll_until([&] { return scraped_ >= 1; }));
    const auto status = registry_.find(id(model));
    EXPECT_TRUE(status->up);
    EXPECT_TRUE(status->ready);
    EXPECT_THAT(status->error.value_or(""), HasSubstr("metrics: invalid exposition, line 1"));
}

TEST_F(ScraperTest, AHungInstanceDelaysNoOneElse) {
    FakeUpstream fast([](const RecordedRequest& r) { return instance_reply(r, true); });
    FakeUpstream hung([](const RecordedRequest&) { return Reply::stall(); });
    start(ScrapeConfig{.interval = 50ms, .timeout = 2s}, {{id(fast), "model"}, {id(hung), "model"}});
    // Ten rounds of the fast one while the hung one's first scrape is still waiting.
    ASSERT_TRUE(poll_until([&] { return requests_to(fast, "/metrics") >= 10; }));
    EXPECT_EQ(requests_to(hung, "/health"), 1u) << "not scraped again while its scrape is in flight";
    EXPECT_FALSE(registry_.find(id(hung))->scraped);
    EXPECT_TRUE(registry_.find(id(fast))->up);
    ASSERT_TRUE(poll_until([&] { return registry_.find(id(hung))->scraped; }));
    EXPECT_FALSE(registry_.find(id(hung))->up);
    EXPECT_THAT(registry_.find(id(hung))->error.value_or(""), HasSubstr("health: timeout"));
}

TEST_F(ScraperTest, AnInstanceThatLeavesIsForgotten) {
    FakeUpstream a([](const RecordedRequest& r) { return instance_reply(r, true); });
    FakeUpstream b([](const RecordedRequest& r) { return instance_reply(r, true); });
    start(ScrapeConfig{.interval = 50ms, .timeout = 1s}, {{id(a), "model"}, {id(b), "gateway"}});
    ASSERT_TRUE(poll_until([&] { return !store_.select("visiongrid_model_queue_depth", id(b), 0).empty(); }));
    set_members({{id(a), "model"}});
    EXPECT_FALSE(registry_.find(id(b)));
    EXPECT_TRUE(store_.select("visiongrid_model_queue_depth", id(b), 0).empty());
    const std::size_t before = requests_to(b, "/health");
    ASSERT_TRUE(poll_until([&] { return requests_to(a, "/health") >= 5; }));
    EXPECT_LE(requests_to(b, "/health"), before + 1) << "at most the scrape already in flight";
}

}  // namespace
}  // namespace vg::services::monitor
