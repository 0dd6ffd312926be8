#include "cluster/health_checker.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net/http_client.hpp"
#include "support/fake_upstream.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using test::FakeUpstream;
using test::Reply;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

using Flip = std::pair<std::string, bool>;

// Flips as on_change reported them; wait_for() blocks until `n` have arrived.
class Flips {
public:
    void add(const std::string& id, bool healthy) {
        std::lock_guard lock(mutex_);
        flips_.emplace_back(id, healthy);
        cv_.notify_all();
    }
    bool wait_for(std::size_t n) {
        return wait_until([n](const std::vector<Flip>& flips) { return flips.size() >= n; });
    }
    template <class Pred>
    bool wait_until(Pred pred) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, test::kDefaultWait, [&] { return pred(flips_); });
    }
    std::vector<Flip> all() const {
        std::lock_guard lock(mutex_);
        return flips_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Flip> flips_;
};

Endpoint endpoint_of(const FakeUpstream& upstream) {
    return Endpoint{"127.0.0.1", upstream.port()};
}

std::string id_of(const FakeUpstream& upstream) {
    return endpoint_of(upstream).id();
}

HealthCheckConfig fast_config() {
    HealthCheckConfig config;
    config.interval = 20ms;
    config.timeout = 1000ms;
    config.healthy_threshold = 2;
    config.unhealthy_threshold = 2;
    return config;
}

class HealthCheckerTest : public ::testing::Test {
protected:
    HealthCheckerTest() : work_(boost::asio::make_work_guard(io_)), client_(io_, net::ClientConfig{}) {
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    ~HealthCheckerTest() override {
        client_.shutdown();
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
    }

    // Checkers live in the test body, declared after the upstreams they probe, so they stop first.
    std::unique_ptr<HealthChecker> make(HealthCheckConfig config = fast_config()) {
        return std::make_unique<HealthChecker>(
            io_, client_, std::move(config), [this](const std::string& id, bool healthy) { flips_.add(id, healthy); });
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::vector<std::thread> threads_;
    net::HttpClient client_;
    Flips flips_;
};

TEST(HealthCheckConfigTest, DefaultsAreValid) {
    EXPECT_NO_THROW(validate_health_check_config(HealthCheckConfig{}));
    const HealthCheckConfig c;
    EXPECT_EQ(c.path, "/ready");
    EXPECT_EQ(c.interval, 5000ms);
    EXPECT_EQ(c.timeout, 1000ms);
}

TEST(HealthCheckConfigTest, RejectsBadFieldsByName) {
    auto message = [](HealthCheckConfig c) -> std::string {
        try {
            validate_health_check_config(c);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    HealthCheckConfig c;
    c.path = "ready";
    EXPECT_THAT(message(c), HasSubstr("path"));
    c = {};
    c.interval = 0ms;
    EXPECT_THAT(message(c), HasSubstr("interval"));
    c = {};
    c.timeout = -1ms;
    EXPECT_THAT(message(c), HasSubstr("timeout"));
    c = {};
    c.healthy_threshold = 0;
    EXPECT_THAT(message(c), HasSubstr("healthy_threshold"));
    c = {};
    c.unhealthy_threshold = 0;
    EXPECT_THAT(message(c), HasSubstr("unhealthy_threshold"));
}

TEST_F(HealthCheckerTest, RejectsABadConfigAtConstruction) {
    HealthCheckConfig config;
    config.path = "";
    EXPECT_THROW(make(config), std::invalid_argument);
}

TEST_F(HealthCheckerTest, TargetsStartInTheGivenStateAndUnknownIdsAreNotHealthy) {
    auto checker = make();
    checker->set_targets({Endpoint{"127.0.0.1", 1}});
    EXPECT_TRUE(checker->healthy("127.0.0.1:1"));
    checker->set_targets({Endpoint{"127.0.0.1", 1}, Endpoint{"127.0.0.1", 2}}, false);
    EXPECT_TRUE(checker->healthy("127.0.0.1:1")) << "a kept target keeps its state";
    EXPECT_FALSE(checker->healthy("127.0.0.1:2"));
    EXPECT_FALSE(checker->healthy("127.0.0.1:3"));
}

TEST_F(HealthCheckerTest, UnhealthyTargetBecomesHealthyAfterThresholdPasses) {
    FakeUpstream upstream;
    HealthCheckConfig config = fast_config();
    config.path = "/ready?probe=1";
    config.healthy_threshold = 3;
    config.interval = 100ms;  // long enough that no further probe starts before the flip is reported
    std::atomic<std::size_t> requests_at_flip{0};
    HealthChecker checker(io_, client_, config, [&](const std::string& id, bool healthy) {
        requests_at_flip = upstream.request_count();
        flips_.add(id, healthy);
    });
    checker.set_targets({endpoint_of(upstream)}, false);
    EXPECT_FALSE(checker.healthy(id_of(upstream)));
    checker.start();

    ASSERT_TRUE(flips_.wait_for(1));
    EXPECT_THAT(flips_.all(), ElementsAre(Pair(id_of(upstream), true)));
    EXPECT_EQ(requests_at_flip.load(), 3u);
    EXPECT_TRUE(checker.healthy(id_of(upstream)));
    const auto request = upstream.requests().front();
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target, "/ready?probe=1");
}

TEST_F(HealthCheckerTest, FailingStatusTimeoutAndConnectFailureMakeTargetsUnhealthy) {
    FakeUpstream ok;
    FakeUpstream busy([](const test::RecordedRequest&) { return Reply::respond(503, "busy"); });
    FakeUpstream stalled([](const test::RecordedRequest&) { return Reply::stall(); });
    FakeUpstream gone;
    const Endpoint dead = endpoint_of(gone);
    gone.stop();  // nothing listens on its port now

    HealthCheckConfig config = fast_config();
    config.timeout = 100ms;
    std::atomic<int> in_callback{0};
    std::atomic<bool> overlapped{false};
    HealthChecker checker(io_, client_, config, [&](const std::string& id, bool healthy) {
        if (++in_callback > 1) overlapped = true;
        flips_.add(id, healthy);
        --in_callback;
    });
    checker.set_targets({endpoint_of(ok), endpoint_of(busy), endpoint_of(stalled), dead});
    checker.start();

    ASSERT_TRUE(flips_.wait_for(3));
    EXPECT_THAT(flips_.all(),
                UnorderedElementsAre(Pair(id_of(busy), false), Pair(id_of(stalled), false), Pair(dead.id(), false)));
    EXPECT_TRUE(checker.healthy(id_of(ok)));
    EXPECT_FALSE(checker.healthy(id_of(busy)));
    EXPECT_FALSE(checker.healthy(id_of(stalled)));
    EXPECT_FALSE(checker.healthy(dead.id()));
    EXPECT_GE(ok.request_count(), 1u);
    EXPECT_FALSE(overlapped);
}

TEST_F(HealthCheckerTest, FlipsAfterExactlyUnhealthyThresholdFailures) {
    FakeUpstream busy([](const test::RecordedRequest&) { return Reply::respond(500); });
    HealthCheckConfig config = fast_config();
    config.unhealthy_threshold = 3;
    config.interval = 100ms;
    std::atomic<std::size_t> requests_at_flip{0};
    HealthChecker checker(io_, client_, config, [&](const std::string& id, bool healthy) {
        requests_at_flip = busy.request_count();
        flips_.add(id, healthy);
    });
    checker.set_targets({endpoint_of(busy)});
    checker.start();
    ASSERT_TRUE(flips_.wait_for(1));
    EXPECT_EQ(requests_at_flip.load(), 3u);
}

TEST_F(HealthCheckerTest, FlipsBackToHealthyWhenTheTargetRecovers) {
    std::atomic<int> status{503};
    FakeUpstream upstream([&status](const test::RecordedRequest&) { return Reply::respond(status); });
    auto checker = make();
    checker->set_targets({endpoint_of(upstream)});
    checker->start();

    ASSERT_TRUE(flips_.wait_for(1));
    status = 204;
    ASSERT_TRUE(flips_.wait_for(2));
    EXPECT_TRUE(checker->healthy(id_of(upstream)));
    status = 404;
    ASSERT_TRUE(flips_.wait_for(3));
    EXPECT_THAT(flips_.all(),
                ElementsAre(Pair(id_of(upstream), false), Pair(id_of(upstream), true), Pair(id_of(upstream), false)));
}

TEST_F(HealthCheckerTest, ProbesOfAStallingTargetNeverOverlap) {
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> arrivals;
    FakeUpstream stalled([&](const test::RecordedRequest&) {
        std::lock_guard lock(mutex);
        arrivals.push_back(std::chrono::steady_clock::now());
        return Reply::stall();
    });
    HealthCheckConfig config = fast_config();
    config.timeout = 200ms;
    config.interval = 20ms;
    auto checker = make(config);
    checker->set_targets({endpoint_of(stalled)});
    checker->start();

    // Overlapping probes would arrive every interval (20 ms); one at a time, each waits for the
    // previous one's timeout (200 ms) first. Half of that leaves room for scheduling delays.
    ASSERT_TRUE(stalled.wait_for_requests(4));
    checker->stop();
    std::lock_guard lock(mutex);
    for (std::size_t i = 1; i < arrivals.size(); ++i)
        EXPECT_GE(arrivals[i] - arrivals[i - 1], 100ms) << "probe " << i << " overlapped the one before";
}

TEST_F(HealthCheckerTest, SetTargetsKeepsStateOfKeptTargetsAndForgetsRemovedOnes) {
    FakeUpstream busy([](const test::RecordedRequest&) { return Reply::respond(503); });
    FakeUpstream ok;
    auto checker = make();
    checker->set_targets({endpoint_of(busy)});
    checker->start();
    ASSERT_TRUE(flips_.wait_for(1));
    EXPECT_FALSE(checker->healthy(id_of(busy)));

    // Kept: still unhealthy, though new targets start healthy. Added: probed right away.
    checker->set_targets({endpoint_of(ok), endpoint_of(busy)}, true);
    EXPECT_FALSE(checker->healthy(id_of(busy)));
    EXPECT_TRUE(checker->healthy(id_of(ok)));
    ASSERT_TRUE(ok.wait_for_requests(2));

    // Removed: no longer probed (a probe already on the wire may still land) and no longer known.
    checker->set_targets({endpoint_of(ok)});
    const std::size_t busy_requests = busy.request_count();
    EXPECT_FALSE(checker->healthy(id_of(busy)));
    ASSERT_TRUE(ok.wait_for_requests(ok.request_count() + 3));
    EXPECT_LE(busy.request_count(), busy_requests + 1);

    // Added back: a new target with no history, so it starts healthy and must fail again to flip.
    checker->set_targets({endpoint_of(ok), endpoint_of(busy)}, true);
    EXPECT_TRUE(checker->healthy(id_of(busy)));
    ASSERT_TRUE(flips_.wait_for(2));
    EXPECT_THAT(flips_.all(), ElementsAre(Pair(id_of(busy), false), Pair(id_of(busy), false)));
}

TEST_F(HealthCheckerTest, StopCancelsAProbeInFlight) {
    FakeUpstream stalled([](const test::RecordedRequest&) { return Reply::stall(); });
    HealthCheckConfig config = fast_config();
    config.timeout = 60s;
    auto checker = make(config);
    checker->set_targets({endpoint_of(stalled)});
    checker->start();
    ASSERT_TRUE(stalled.wait_for_requests(1));
    checker->stop();
    // The client closes the connection of a cancelled call, long before the probe's own timeout.
    EXPECT_TRUE(stalled.wait_for_closed(1, 5s));
    EXPECT_TRUE(flips_.all().empty());
}

TEST_F(HealthCheckerTest, StopFromInsideOnChangeEndsDelivery) {
    FakeUpstream a([](const test::RecordedRequest&) { return Reply::respond(503); });
    FakeUpstream b([](const test::RecordedRequest&) { return Reply::respond(503); });
    FakeUpstream c([](const test::RecordedRequest&) { return Reply::respond(503); });
    HealthCheckConfig config = fast_config();
    config.unhealthy_threshold = 1;
    std::atomic<int> calls{0};
    std::promise<void> stopped;
    std::unique_ptr<HealthChecker> checker;
    checker = std::make_unique<HealthChecker>(io_, client_, config, [&](const std::string&, bool) {
        if (++calls == 1) {
            checker->stop();
            stopped.set_value();
        }
    });
    checker->set_targets({endpoint_of(a), endpoint_of(b), endpoint_of(c)});
    checker->start();
    ASSERT_EQ(stopped.get_future().wait_for(test::kDefaultWait), std::future_status::ready);
    checker.reset();  // waits for a delivery in progress on another thread, if any
    EXPECT_EQ(calls, 1);
}

TEST_F(HealthCheckerTest, StartAfterStopDoesNothing) {
    FakeUpstream upstream;
    auto checker = make();
    checker->set_targets({endpoint_of(upstream)});
    checker->stop();
    checker->start();
    checker->set_targets({endpoint_of(upstream), Endpoint{"127.0.0.1", 1}});
    EXPECT_TRUE(checker->healthy("127.0.0.1:1"));
    checker.reset();
    EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(HealthCheckerTest, SetTargetsFromManyThreadsWhileProbing) {
    FakeUpstream ok;
    FakeUpstream busy([](const test::RecordedRequest&) { return Reply::respond(503); });
    HealthCheckConfig config = fast_config();
    config.interval = 1ms;
    auto checker = make(config);
    checker->start();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                std::vector<Endpoint> targets;
                if ((i + t) % 2 == 0) targets.push_back(endpoint_of(ok));
                if ((i + t) % 3 != 0) targets.push_back(endpoint_of(busy));
                checker->set_targets(targets, i % 2 == 0);
                (void)checker->healthy(id_of(ok));
            }
        });
    }
    for (auto& thread : threads) thread.join();
    // Start over with a target that must prove itself: its last flip is to healthy.
    checker->set_targets({});
    const std::size_t before = flips_.all().size();
    checker->set_targets({endpoint_of(ok)}, false);
    EXPECT_TRUE(flips_.wait_until([&](const std::vector<Flip>& flips) {
        return std::find(flips.begin() + static_cast<std::ptrdiff_t>(before), flips.end(), Flip(id_of(ok), true)) !=
               flips.end();
    }));
    EXPECT_TRUE(checker->healthy(id_of(ok)));
}

}  // namespace
}  // namespace vg::cluster
