#include "cluster/circuit_breaker.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/clock.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::Pair;

constexpr std::chrono::nanoseconds kFast = 10ms;

// The original system's Resilience4j settings: 50 %, 1 s open, window of 2.
CircuitBreakerConfig seed_config() {
    return CircuitBreakerConfig{};
}

class CircuitBreakerTest : public ::testing::Test {
protected:
    void fail_calls(CircuitBreaker& cb, int n) {
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(cb.try_acquire());
            cb.on_error(kFast);
        }
    }
    void succeed_calls(CircuitBreaker& cb, int n) {
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(cb.try_acquire());
            cb.on_success(kFast);
        }
    }
    // Opens the breaker with the seed config, then waits out the open state.
    void open_then_wait(CircuitBreaker& cb) {
        fail_calls(cb, 2);
        ASSERT_EQ(cb.state(), BreakerState::kOpen);
        clock_.advance(1s);
    }

    FakeClock clock_;
};

TEST_F(CircuitBreakerTest, SeedDefaultsMatchTheOriginalResilience4jSettings) {
    const CircuitBreakerConfig c;
    EXPECT_EQ(c.failure_rate_threshold, 50);
    EXPECT_EQ(c.wait_duration_in_open_state, 1000ms);
    EXPECT_EQ(c.sliding_window_size, 2u);
    EXPECT_EQ(c.minimum_number_of_calls, 2u);
    EXPECT_EQ(c.permitted_calls_in_half_open, 1u);
}

TEST_F(CircuitBreakerTest, StartsClosedAndPermitsCalls) {
    CircuitBreaker cb(seed_config(), clock_);
    EXPECT_EQ(cb.state(), BreakerState::kClosed);
    EXPECT_TRUE(cb.try_acquire());
}

TEST_F(CircuitBreakerTest, TwoFailuresOpenIt) {
    CircuitBreaker cb(seed_config(), clock_);
    fail_calls(cb, 1);
    EXPECT_EQ(cb.state(), BreakerState::kClosed) << "one outcome is below minimum_number_of_calls";
    fail_calls(cb, 1);
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
    const auto s = cb.snapshot();
    EXPECT_THAT(s.failure_rate, Optional(100.0));
    EXPECT_EQ(s.failed_calls, 2u);
}

TEST_F(CircuitBreakerTest, OneFailureInTwoReachesFiftyPercentAndOpens) {
    CircuitBreaker cb(seed_config(), clock_);
    succeed_calls(cb, 1);
    fail_calls(cb, 1);
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, CallsNotPermittedWhileOpenAndCounted) {
    CircuitBreaker cb(seed_config(), clock_);
    fail_calls(cb, 2);
    clock_.advance(999ms);
    EXPECT_FALSE(cb.try_acquire());
    EXPECT_FALSE(cb.try_acquire());
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
    EXPECT_EQ(cb.snapshot().not_permitted_calls, 2u);
}

TEST_F(CircuitBreakerTest, AfterTheWaitExactlyOneProbeIsPermitted) {
    CircuitBreaker cb(seed_config(), clock_);
    open_then_wait(cb);
    EXPECT_EQ(cb.state(), BreakerState::kOpen) << "the move to half-open is lazy";
    EXPECT_TRUE(cb.try_acquire());
    EXPECT_EQ(cb.state(), BreakerState::kHalfOpen);
    EXPECT_FALSE(cb.try_acquire());
}

TEST_F(CircuitBreakerTest, ProbeSuccessClosesWithAFreshWindow) {
    CircuitBreaker cb(seed_config(), clock_);
    open_then_wait(cb);
    ASSERT_TRUE(cb.try_acquire());
    cb.on_success(kFast);
    EXPECT_EQ(cb.state(), BreakerState::kClosed);
    EXPECT_EQ(cb.snapshot().buffered_calls, 0u);
    fail_calls(cb, 1);
    EXPECT_EQ(cb.state(), BreakerState::kClosed) << "old failures must not count after closing";
}

TEST_F(CircuitBreakerTest, ProbeFailureReopensForAnotherFullWait) {
    CircuitBreaker cb(seed_config(), clock_);
    open_then_wait(cb);
    ASSERT_TRUE(cb.try_acquire());
    cb.on_error(kFast);
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
    clock_.advance(999ms);
    EXPECT_FALSE(cb.try_acquire());
    clock_.advance(1ms);
    EXPECT_TRUE(cb.try_acquire());
}

TEST_F(CircuitBreakerTest, ReleasedProbeGivesThePermitBack) {
    CircuitBreaker cb(seed_config(), clock_);
    open_then_wait(cb);
    ASSERT_TRUE(cb.try_acquire());
    cb.release();
    EXPECT_EQ(cb.state(), BreakerState::kHalfOpen);
    EXPECT_TRUE(cb.try_acquire());
    EXPECT_FALSE(cb.try_acquire());
}

TEST_F(CircuitBreakerTest, ReleaseNeverCreatesExtraHalfOpenPermits) {
    CircuitBreaker cb(seed_config(), clock_);
    open_then_wait(cb);
    ASSERT_TRUE(cb.try_acquire());
    cb.release();
    cb.release();  // unmatched
    EXPECT_TRUE(cb.try_acquire());
    EXPECT_FALSE(cb.try_acquire());
}

TEST_F(CircuitBreakerTest, MinimumNumberOfCallsIsRespected) {
    CircuitBreakerConfig config = seed_config();
    config.sliding_window_size = 10;
    config.minimum_number_of_calls = 5;
    CircuitBreaker cb(config, clock_);
    fail_calls(cb, 4);
    EXPECT_EQ(cb.state(), BreakerState::kClosed);
    EXPECT_EQ(cb.snapshot().failure_rate, std::nullopt);
    fail_calls(cb, 1);
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, MinimumAboveWindowSizeIsCappedAtWindowSize) {
    CircuitBreakerConfig config = seed_config();
    config.sliding_window_size = 3;
    config.minimum_number_of_calls = 100;
    CircuitBreaker cb(config, clock_);
    fail_calls(cb, 3);
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, FailureRateBelowThresholdStaysClosed) {
    CircuitBreakerConfig config = seed_config();
    config.sliding_window_size = 4;
    config.minimum_number_of_calls = 4;
    CircuitBreaker cb(config, clock_);
    succeed_calls(cb, 3);
    fail_calls(cb, 1);  // 25 %
    EXPECT_EQ(cb.state(), BreakerState::kClosed);
    EXPECT_THAT(cb.snapshot().failure_rate, Optional(25.0));
}

TEST_F(CircuitBreakerTest, SlowCallsOpenIt) {
    CircuitBreakerConfig config = seed_config();
    config.slow_call_duration = 2s;
    CircuitBreaker cb(config, clock_);
    ASSERT_TRUE(cb.try_acquire());
    cb.on_success(2s);  // at the limit: not slow
    ASSERT_TRUE(cb.try_acquire());
    cb.on_success(2001ms);
    EXPECT_EQ(cb.state(), BreakerState::kClosed) << "50 % slow is below the 100 % default";
    ASSERT_TRUE(cb.try_acquire());
    cb.on_success(3s);  // window now holds two slow successes
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
    const auto s = cb.snapshot();
    EXPECT_EQ(s.slow_calls, 2u);
    EXPECT_THAT(s.slow_call_rate, Optional(100.0));
    EXPECT_THAT(s.failure_rate, Optional(0.0));
}

TEST_F(CircuitBreakerTest, SlowProbeReopens) {
    CircuitBreakerConfig config = seed_config();
    config.slow_call_duration = 1s;
    CircuitBreaker cb(config, clock_);
    open_then_wait(cb);
    ASSERT_TRUE(cb.try_acquire());
    cb.on_success(5s);
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, WindowSlidesOldOutcomesOut) {
    CircuitBreakerConfig config = seed_config();
    config.sliding_window_size = 3;
    config.minimum_number_of_calls = 3;
    config.failure_rate_threshold = 60;
    CircuitBreaker cb(config, clock_);
    fail_calls(cb, 1);
    succeed_calls(cb, 2);  // window F S S: 33 %
    fail_calls(cb, 1);     // F drops out: S S F, 33 %
    EXPECT_EQ(cb.state(), BreakerState::kClosed);
    auto s = cb.snapshot();
    EXPECT_EQ(s.buffered_calls, 3u);
    EXPECT_EQ(s.failed_calls, 1u);
    fail_calls(cb, 1);  // S F F: 67 %
    EXPECT_EQ(cb.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, OutcomesWhileOpenAreIgnored) {
    CircuitBreaker cb(seed_config(), clock_);
    ASSERT_TRUE(cb.try_acquire());  // a call in flight when it opens
    fail_calls(cb, 2);
    cb.on_success(kFast);
    const auto s = cb.snapshot();
    EXPECT_EQ(s.state, BreakerState::kOpen);
    EXPECT_EQ(s.buffered_calls, 2u);
    EXPECT_EQ(s.failed_calls, 2u);
}

TEST_F(CircuitBreakerTest, SeveralHalfOpenProbesAreJudgedTogether) {
    CircuitBreakerConfig config = seed_config();
    config.permitted_calls_in_half_open = 4;
    CircuitBreaker cb(config, clock_);
    open_then_wait(cb);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(cb.try_acquire());
    EXPECT_FALSE(cb.try_acquire());
    cb.on_error(kFast);
    cb.on_success(kFast);
    cb.on_success(kFast);
    EXPECT_EQ(cb.state(), BreakerState::kHalfOpen) << "judged only once all probes are in";
    cb.on_success(kFast);  // 25 % failed
    EXPECT_EQ(cb.state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, ConcurrentAcquireInHalfOpenPermitsExactlyTheConfiguredNumber) {
    for (std::size_t permitted : {1u, 3u}) {
        CircuitBreakerConfig config = seed_config();
        config.permitted_calls_in_half_open = permitted;
        CircuitBreaker cb(config, clock_);
        open_then_wait(cb);
        constexpr int kThreads = 8;
        std::barrier start(kThreads);
        std::atomic<int> granted{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i)
            threads.emplace_back([&] {
                start.arrive_and_wait();
                for (int j = 0; j < 100; ++j)
                    if (cb.try_acquire()) ++granted;
            });
        for (auto& t : threads) t.join();
        EXPECT_EQ(granted.load(), static_cast<int>(permitted));
        EXPECT_EQ(cb.snapshot().not_permitted_calls, kThreads * 100u - permitted);
    }
}

TEST_F(CircuitBreakerTest, ListenersSeeTransitionsInOrder) {
    CircuitBreaker cb(seed_config(), clock_);
    std::vector<std::pair<BreakerState, BreakerState>> seen;
    cb.on_state_change([&](BreakerState from, BreakerState to) { seen.emplace_back(from, to); });
    open_then_wait(cb);
    ASSERT_TRUE(cb.try_acquire());
    cb.on_error(kFast);
    clock_.advance(1s);
    ASSERT_TRUE(cb.try_acquire());
    cb.on_success(kFast);
    EXPECT_THAT(seen, ElementsAre(Pair(BreakerState::kClosed, BreakerState::kOpen),
                                  Pair(BreakerState::kOpen, BreakerState::kHalfOpen),
                                  Pair(BreakerState::kHalfOpen, BreakerState::kOpen),
                                  Pair(BreakerState::kOpen, BreakerState::kHalfOpen),
                                  Pair(BreakerState::kHalfOpen, BreakerState::kClosed)));
}

TEST_F(CircuitBreakerTest, ListenerRunsOutsideTheLockAndMayCallBack) {
    CircuitBreaker cb(seed_config(), clock_);
    std::vector<BreakerState> observed;
    cb.on_state_change([&](BreakerState, BreakerState to) {
        observed.push_back(cb.state());  // would deadlock if called under the lock
        EXPECT_EQ(cb.snapshot().state, to);
    });
    fail_calls(cb, 2);
    EXPECT_THAT(observed, ElementsAre(BreakerState::kOpen));
}

TEST_F(CircuitBreakerTest, TransitionCausedByAListenerIsDeliveredAfterTheCurrentOne) {
    CircuitBreaker cb(seed_config(), clock_);
    std::vector<std::pair<BreakerState, BreakerState>> seen;
    cb.on_state_change([&](BreakerState from, BreakerState to) {
        seen.emplace_back(from, to);
        if (to == BreakerState::kOpen && seen.size() == 1) {
            clock_.advance(1s);
            EXPECT_TRUE(cb.try_acquire());  // OPEN -> HALF_OPEN from inside the listener
        }
    });
    fail_calls(cb, 2);
    EXPECT_THAT(seen, ElementsAre(Pair(BreakerState::kClosed, BreakerState::kOpen),
                                  Pair(BreakerState::kOpen, BreakerState::kHalfOpen)));
}

TEST_F(CircuitBreakerTest, EveryListenerIsCalled) {
    CircuitBreaker cb(seed_config(), clock_);
    int first = 0;
    int second = 0;
    cb.on_state_change([&](BreakerState, BreakerState) { ++first; });
    cb.on_state_change([&](BreakerState, BreakerState) { ++second; });
    fail_calls(cb, 2);
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 1);
}

TEST_F(CircuitBreakerTest, RejectsBadConfig) {
    auto with = [](auto mutate) {
        CircuitBreakerConfig c;
        mutate(c);
        return c;
    };
    EXPECT_THROW(CircuitBreaker(with([](auto& c) { c.failure_rate_threshold = 0; }), clock_), std::invalid_argument);
    EXPECT_THROW(CircuitBreaker(with([](auto& c) { c.failure_rate_threshold = 101; }), clock_), std::invalid_argument);
    EXPECT_THROW(CircuitBreaker(with([](auto& c) { c.slow_call_rate_threshold = -1; }), clock_), std::invalid_argument);
    EXPECT_THROW(CircuitBreaker(with([](auto& c) { c.sliding_window_size = 0; }), clock_), std::invalid_argument);
    EXPECT_THROW(CircuitBreaker(with([](auto& c) { c.minimum_number_of_calls = 0; }), clock_), std::invalid_argument);
    EXPECT_THROW(CircuitBreaker(with([](auto& c) { c.permitted_calls_in_half_open = 0; }), clock_),
                 std::invalid_argument);
    EXPECT_THROW(CircuitBreaker(with([](auto& c) { c.wait_duration_in_open_state = -1ms; }), clock_),
                 std::invalid_argument);
}

TEST(BreakerStateTest, NamesForLogsAndMetrics) {
    EXPECT_STREQ(to_string(BreakerState::kClosed), "closed");
    EXPECT_STREQ(to_string(BreakerState::kOpen), "open");
    EXPECT_STREQ(to_string(BreakerState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace vg::cluster
