#include "cluster/upstream_pool.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster/upstream_fixture.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using test::FakeUpstream;
using test::Gate;
using test::RecordedRequest;
using test::Reply;
using testing::DeadPort;
using testing::endpoint_of;
using testing::eventually;
using testing::id_of;
using ::testing::UnorderedElementsAre;

class UpstreamPoolTest : public testing::UpstreamPoolFixture {
protected:
    // Takes a permit on `id` by excluding every other member; nullptr when its breaker refuses.
    std::shared_ptr<UpstreamMember> acquire_only(UpstreamPool& pool, const std::string& id) {
        std::vector<std::string> others;
        for (const auto& status : pool.status()) {
            if (status.id != id) others.push_back(status.id);
        }
        auto taken = pool.acquire("", others);
        if (taken && taken->instance->id != id) {
            pool.report(*taken, UpstreamPool::Outcome::kCancelled, {});
            ADD_FAILURE() << "acquire() returned " << taken->instance->id << " instead of " << id;
            return nullptr;
        }
        return taken;
    }

    // Ids that `n` acquire() calls return, each reported as a success at once.
    std::multiset<std::string> acquire_many(UpstreamPool& pool, int n) {
        std::multiset<std::string> ids;
        for (int i = 0; i < n; ++i) {
            auto taken = pool.acquire("", {});
            if (!taken) {
                ADD_FAILURE() << "acquire() found no instance";
                continue;
            }
            ids.insert(taken->instance->id);
            pool.report(*taken, UpstreamPool::Outcome::kSuccess, 1ms);
        }
        return ids;
    }

    std::map<std::string, std::string> labels_of(const std::string& id) {
        return {{"upstream", "detector"}, {"instance", id}};
    }
};

TEST_F(UpstreamPoolTest, RoundRobinSpreadsCallsEvenly) {
    FakeUpstream a, b, c;
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b), endpoint_of(c)}));
    for (int i = 0; i < 9; ++i) {
        auto probe = call(pool, request_to(*pool, "/v1/detect"));
        EXPECT_EQ(probe->result().error, "");
    }
    EXPECT_EQ(a.request_count(), 3u);
    EXPECT_EQ(b.request_count(), 3u);
    EXPECT_EQ(c.request_count(), 3u);
    EXPECT_EQ(metric("visiongrid_upstream_attempts_total",
                     {{"upstream", "detector"}, {"instance", id_of(a)}, {"outcome", "ok"}}),
              3);
}

TEST_F(UpstreamPoolTest, ConsistentHashSendsAKeyToTheSameInstance) {
    FakeUpstream a, b, c;
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b), endpoint_of(c)}, "consistent_hash"));
    std::map<std::string, std::string> owner;  // key -> instance
    for (int round = 0; round < 3; ++round) {
        for (int k = 0; k < 12; ++k) {
            const std::string key = "image-" + std::to_string(k);
            auto request = request_to(*pool, "/v1/detect");
            request.affinity_key = key;
            auto probe = call(pool, std::move(request));
            ASSERT_EQ(probe->result().error, "");
            auto [it, first] = owner.emplace(key, probe->result().instance);
            EXPECT_EQ(it->second, probe->result().instance) << "key " << key << " moved in round " << round;
        }
    }
    std::set<std::string> used;
    for (const auto& [key, instance] : owner) used.insert(instance);
    EXPECT_GE(used.size(), 2u) << "12 keys all hashed to one of 3 instances";
    EXPECT_EQ(a.request_count() + b.request_count() + c.request_count(), 36u);
}

TEST_F(UpstreamPoolTest, LeastOutstandingAvoidsAStalledInstance) {
    FakeUpstream a, b, c;
    for (auto* upstream : {&a, &b, &c}) {
        upstream->set_handler(
            [](const RecordedRequest& request) { return request.target == "/slow" ? Reply::stall() : Reply::ok(); });
    }
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b), endpoint_of(c)}, "least_outstanding"));
    auto slow = start(pool, request_to(*pool, "/slow"));
    ASSERT_TRUE(eventually([&] { return a.request_count() + b.request_count() + c.request_count() == 1; }));
    FakeUpstream& stalled = a.request_count() == 1 ? a : (b.request_count() == 1 ? b : c);
    ASSERT_EQ(member(*pool, id_of(stalled))->outstanding, 1);

    for (int i = 0; i < 20; ++i) {
        auto probe = call(pool, request_to(*pool, "/fast"));
        EXPECT_EQ(probe->result().error, "");
        EXPECT_NE(probe->result().instance, id_of(stalled));
    }
    EXPECT_EQ(stalled.request_count(), 1u);
    EXPECT_EQ(a.request_count() + b.request_count() + c.request_count(), 21u);

    slow.handle->cancel();
    ASSERT_TRUE(slow.probe->wait_done());
    EXPECT_EQ(slow.probe->result().error, "cancelled");
    EXPECT_EQ(member(*pool, id_of(stalled))->outstanding, 0);
}

TEST_F(UpstreamPoolTest, SetEndpointsKeepsKeptStateAndDropsRemovedWhileTheirCallsFinish) {
    FakeUpstream a, b, c;
    auto gate = std::make_shared<Gate>();
    b.set_handler([gate](const RecordedRequest&) { return Reply::ok("from b").after(gate); });
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b)}));

    // a's breaker opens (window 2, 50 %): it is kept and must stay open.
    for (int i = 0; i < 2; ++i) {
        auto taken = acquire_only(*pool, id_of(a));
        ASSERT_NE(taken, nullptr);
        pool->report(*taken, UpstreamPool::Outcome::kFailure, 1ms);
    }
    ASSERT_EQ(member(*pool, id_of(a))->breaker, BreakerState::kOpen);

    // A call goes to b (a refuses) and is held there while b is removed.
    auto in_flight = start(pool, request_to(*pool, "/v1/detect"));
    ASSERT_TRUE(b.wait_for_requests(1));
    // b's breaker opens too: the b that comes back later must not remember it.
    for (int i = 0; i < 2; ++i) {
        auto taken = acquire_only(*pool, id_of(b));
        ASSERT_NE(taken, nullptr);
        pool->report(*taken, UpstreamPool::Outcome::kFailure, 1ms);
    }
    ASSERT_EQ(member(*pool, id_of(b))->breaker, BreakerState::kOpen);

    pool->set_endpoints({endpoint_of(a), endpoint_of(c)});
    std::vector<std::string> ids;
    for (const auto& status : pool->status()) ids.push_back(status.id);
    EXPECT_THAT(ids, UnorderedElementsAre(id_of(a), id_of(c)));
    EXPECT_EQ(member(*pool, id_of(a))->breaker, BreakerState::kOpen);
    EXPECT_EQ(member(*pool, id_of(c))->breaker, BreakerState::kClosed);

    pool->set_endpoints({endpoint_of(a), endpoint_of(b), endpoint_of(c)});
    EXPECT_EQ(member(*pool, id_of(a))->breaker, BreakerState::kOpen);
    EXPECT_EQ(member(*pool, id_of(b))->breaker, BreakerState::kClosed);
    EXPECT_EQ(member(*pool, id_of(b))->outstanding, 0) << "the in-flight call counts against the removed b";

    gate->open();
    ASSERT_TRUE(in_flight.probe->wait_done());
    EXPECT_EQ(in_flight.probe->result().error, "");
    EXPECT_EQ(in_flight.probe->result().instance, id_of(b));
    EXPECT_EQ(in_flight.probe->body(), "from b");

    // New traffic reaches the re-added b and the new c, never the open a.
    const auto ids_taken = acquire_many(*pool, 6);
    EXPECT_EQ(ids_taken.count(id_of(a)), 0u);
    EXPECT_GT(ids_taken.count(id_of(b)), 0u);
    EXPECT_GT(ids_taken.count(id_of(c)), 0u);
}

TEST_F(UpstreamPoolTest, BreakerOpensSkipsTheInstanceAndAHalfOpenProbeClosesIt) {
    DeadPort a, b, c;  // acquire() and report() alone: nothing is sent
    auto config = config_for({a.endpoint(), b.endpoint(), c.endpoint()});
    config.circuit_breaker.sliding_window_size = 2;
    config.circuit_breaker.minimum_number_of_calls = 2;
    config.circuit_breaker.failure_rate_threshold = 50;
    config.circuit_breaker.wait_duration_in_open_state = 1000ms;
    config.circuit_breaker.permitted_calls_in_half_open = 1;
    config.outlier.consecutive_failures = 100;  // keep ejection out of it
    auto pool = make_pool(config);
    const std::string id = a.endpoint().id();

    auto first = acquire_only(*pool, id);
    ASSERT_NE(first, nullptr);
    pool->report(*first, UpstreamPool::Outcome::kFailure, 1ms);
    auto second = acquire_only(*pool, id);
    ASSERT_NE(second, nullptr);
    pool->report(*second, UpstreamPool::Outcome::kSuccess, 1ms);
    EXPECT_EQ(member(*pool, id)->breaker, BreakerState::kOpen) << "1 failure in a window of 2 is 50 %";
    EXPECT_EQ(metric("visiongrid_upstream_breaker_state", labels_of(id)), 1);
    EXPECT_EQ(metric("visiongrid_upstream_breaker_opened_total", labels_of(id)), 1);

    EXPECT_EQ(acquire_many(*pool, 6).count(id), 0u);

    clock_.advance(999ms);
    EXPECT_EQ(acquire_many(*pool, 6).count(id), 0u);

    clock_.advance(1ms);
    auto probe = acquire_only(*pool, id);
    ASSERT_NE(probe, nullptr) << "wait_duration_in_open_state has passed";
    EXPECT_EQ(member(*pool, id)->breaker, BreakerState::kHalfOpen);
    EXPECT_EQ(acquire_many(*pool, 6).count(id), 0u) << "the only half-open permit is taken";
    pool->report(*probe, UpstreamPool::Outcome::kSuccess, 1ms);
    EXPECT_EQ(member(*pool, id)->breaker, BreakerState::kClosed);
    EXPECT_EQ(metric("visiongrid_upstream_breaker_state", labels_of(id)), 0);
    EXPECT_GT(acquire_many(*pool, 6).count(id), 0u);
}

TEST_F(UpstreamPoolTest, EjectsAnInstanceAfterConsecutiveFailuresUntilTheEjectionTimePasses) {
    DeadPort a, b, c;
    auto config = config_for({a.endpoint(), b.endpoint(), c.endpoint()});
    config.outlier.consecutive_failures = 3;
    config.outlier.base_ejection_time = 10s;
    config.circuit_breaker.sliding_window_size = 100;  // keep the breaker out of it
    config.circuit_breaker.minimum_number_of_calls = 100;
    auto pool = make_pool(config);
    const std::string id = a.endpoint().id();

    for (int i = 0; i < 2; ++i) {
        auto taken = acquire_only(*pool, id);
        ASSERT_NE(taken, nullptr);
        pool->report(*taken, UpstreamPool::Outcome::kFailure, 1ms);
    }
    EXPECT_FALSE(member(*pool, id)->ejected);
    auto third = acquire_only(*pool, id);
    ASSERT_NE(third, nullptr);
    pool->report(*third, UpstreamPool::Outcome::kFailure, 1ms);
    EXPECT_TRUE(member(*pool, id)->ejected);
    EXPECT_EQ(metric("visiongrid_upstream_ejections_total", labels_of(id)), 1);
    EXPECT_EQ(member(*pool, id)->breaker, BreakerState::kClosed);

    EXPECT_EQ(acquire_many(*pool, 9).count(id), 0u);

    clock_.advance(10s);
    EXPECT_FALSE(member(*pool, id)->ejected);
    EXPECT_GT(acquire_many(*pool, 9).count(id), 0u);
}

TEST_F(UpstreamPoolTest, ASuccessResetsTheConsecutiveFailureCount) {
    DeadPort a, b, c;
    auto config = config_for({a.endpoint(), b.endpoint(), c.endpoint()});
    config.outlier.consecutive_failures = 2;
    config.circuit_breaker.sliding_window_size = 100;
    config.circuit_breaker.minimum_number_of_calls = 100;
    auto pool = make_pool(config);
    const std::string id = a.endpoint().id();
    for (auto outcome : {UpstreamPool::Outcome::kFailure, UpstreamPool::Outcome::kSuccess,
                         UpstreamPool::Outcome::kFailure, UpstreamPool::Outcome::kCancelled}) {
        auto taken = acquire_only(*pool, id);
        ASSERT_NE(taken, nullptr);
        pool->report(*taken, outcome, 1ms);
    }
    EXPECT_FALSE(member(*pool, id)->ejected);
    EXPECT_EQ(member(*pool, id)->outstanding, 0);
}

TEST_F(UpstreamPoolTest, HealthCheckTakesAFailingReadyInstanceOutOfRotation) {
    FakeUpstream a, b;
    auto a_ready = std::make_shared<std::atomic<bool>>(false);
    a.set_handler([a_ready](const RecordedRequest& request) {
        if (request.target == "/ready") return *a_ready ? Reply::ok() : Reply::respond(503, "warming up");
        return Reply::ok("from a");
    });
    auto config = config_for({endpoint_of(a), endpoint_of(b)});
    config.health_check_enabled = true;
    config.health_check.interval = 10ms;
    config.health_check.timeout = 2s;
    config.health_check.unhealthy_threshold = 2;
    config.health_check.healthy_threshold = 1;
    auto pool = make_pool(config);

    ASSERT_TRUE(eventually([&] { return !member(*pool, id_of(a))->healthy; }));
    EXPECT_TRUE(member(*pool, id_of(b))->healthy);
    EXPECT_EQ(metric("visiongrid_upstream_instance_healthy", labels_of(id_of(a))), 0);

    for (int i = 0; i < 6; ++i) {
        auto probe = call(pool, request_to(*pool, "/v1/detect"));
        EXPECT_EQ(probe->result().error, "");
        EXPECT_EQ(probe->result().instance, id_of(b));
    }
    for (const auto& request : a.requests()) EXPECT_EQ(request.target, "/ready");

    // Once it passes again it is back in rotation.
    *a_ready = true;
    ASSERT_TRUE(eventually([&] { return member(*pool, id_of(a))->healthy; }));
    std::set<std::string> reached;
    for (int i = 0; i < 4; ++i) reached.insert(call(pool, request_to(*pool, "/v1/detect"))->result().instance);
    EXPECT_TRUE(reached.count(id_of(a)));
}

TEST_F(UpstreamPoolTest, ARetiredPoolLetsItsCallsFinishAfterItsOwnerDropsIt) {
    FakeUpstream a;
    auto gate = std::make_shared<Gate>();
    a.set_handler([gate](const RecordedRequest&) { return Reply::ok("late").after(gate); });
    // Not make_pool(): the fixture would keep it alive. The call is left holding the last reference,
    // so the pool is destroyed on the io thread when the call ends.
    auto pool =
        std::make_shared<UpstreamPool>(config_for({endpoint_of(a)}), UpstreamDeps{io_, clock_, Logger{}, metrics_});
    pool->start();
    auto in_flight = start(pool, request_to(*pool, "/v1/detect"));
    ASSERT_TRUE(a.wait_for_requests(1));
    pool->retire();
    std::weak_ptr<UpstreamPool> weak = pool;
    pool.reset();
    EXPECT_FALSE(weak.expired()) << "the call keeps its pool alive";

    gate->open();
    ASSERT_TRUE(in_flight.probe->wait_done());
    EXPECT_EQ(in_flight.probe->result().error, "");
    EXPECT_EQ(in_flight.probe->body(), "late");
    in_flight.handle.reset();
    EXPECT_TRUE(eventually([&] { return weak.expired(); }));
}

TEST_F(UpstreamPoolTest, NoInstanceIsCounted) {
    auto pool = make_pool(config_for({}));
    EXPECT_EQ(pool->acquire("", {}), nullptr);
    EXPECT_EQ(metric("visiongrid_upstream_no_instance_total", {{"upstream", "detector"}}), 1);
}

}  // namespace
}  // namespace vg::cluster
