#include "cluster/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cluster/clock.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;

class LocalRateLimiterTest : public ::testing::Test {
protected:
    FakeClock clock_;
    LocalRateLimiter local_{clock_};
    RateLimiter& limiter_ = local_;  // exercised through the interface, as the gateway holds it
};

TEST_F(LocalRateLimiterTest, AllowsTheBurstThenRefusesWithRetryAfter) {
    const RateLimit limit{.rate_per_second = 2, .burst = 3};
    for (int i = 0; i < 3; ++i) {
        auto decision = limiter_.try_acquire("client", limit);
        EXPECT_TRUE(decision.allowed) << i;
        EXPECT_DOUBLE_EQ(decision.remaining, 2 - i);
        EXPECT_EQ(decision.retry_after, 0ms);
        EXPECT_DOUBLE_EQ(decision.limit, 3);
        EXPECT_TRUE(decision.error.empty());
    }
    auto refused = limiter_.try_acquire("client", limit);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 500ms);  // 1 token at 2/s
    EXPECT_DOUBLE_EQ(refused.limit, 3);
    EXPECT_TRUE(refused.error.empty());

    clock_.advance(refused.retry_after);
    EXPECT_TRUE(limiter_.try_acquire("client", limit).allowed);
}

TEST_F(LocalRateLimiterTest, EachKeyHasItsOwnLimit) {
    const RateLimit free_plan{.rate_per_second = 1, .burst = 2};
    const RateLimit pro_plan{.rate_per_second = 100, .burst = 5};
    int free_allowed = 0;
    int pro_allowed = 0;
    for (int i = 0; i < 10; ++i) {
        if (limiter_.try_acquire("key-free", free_plan).allowed) ++free_allowed;
        if (limiter_.try_acquire("key-pro", pro_plan).allowed) ++pro_allowed;
    }
    EXPECT_EQ(free_allowed, 2);
    EXPECT_EQ(pro_allowed, 5);

    clock_.advance(50ms);  // 5 tokens for pro, 0.05 for free
    EXPECT_FALSE(limiter_.try_acquire("key-free", free_plan).allowed);
    EXPECT_TRUE(limiter_.try_acquire("key-pro", pro_plan).allowed);
}

TEST_F(LocalRateLimiterTest, KeysAreIndependent) {
    const RateLimit limit{.rate_per_second = 1, .burst = 1};
    EXPECT_TRUE(limiter_.try_acquire("alice", limit).allowed);
    EXPECT_FALSE(limiter_.try_acquire("alice", limit).allowed);
    EXPECT_TRUE(limiter_.try_acquire("bob", limit).allowed);
}

TEST_F(LocalRateLimiterTest, ALoweredBurstCapsTheTokensAtOnce) {
    ASSERT_TRUE(limiter_.try_acquire("k", {.rate_per_second = 1, .burst = 10}).allowed);  // 9 left
    const RateLimit lowered{.rate_per_second = 1, .burst = 2};
    auto decision = limiter_.try_acquire("k", lowered);
    EXPECT_TRUE(decision.allowed);
    EXPECT_DOUBLE_EQ(decision.remaining, 1);
    EXPECT_TRUE(limiter_.try_acquire("k", lowered).allowed);
    EXPECT_FALSE(limiter_.try_acquire("k", lowered).allowed);
}

TEST_F(LocalRateLimiterTest, ARaisedBurstFillsOverTimeNotAtOnce) {
    const RateLimit small{.rate_per_second = 1, .burst = 1};
    ASSERT_TRUE(limiter_.try_acquire("k", small).allowed);
    const RateLimit large{.rate_per_second = 1, .burst = 5};
    EXPECT_FALSE(limiter_.try_acquire("k", large).allowed);
    clock_.advance(1h);
    int allowed = 0;
    while (limiter_.try_acquire("k", large).allowed) ++allowed;
    EXPECT_EQ(allowed, 5);
}

TEST_F(LocalRateLimiterTest, CostAboveBurstCanNeverSucceed) {
    auto decision = limiter_.try_acquire("k", {.rate_per_second = 10, .burst = 3}, 4);
    EXPECT_FALSE(decision.allowed);
    EXPECT_EQ(decision.retry_after, std::chrono::milliseconds::max());
    EXPECT_DOUBLE_EQ(decision.remaining, 3);
}

TEST_F(LocalRateLimiterTest, RejectsABadLimitOrCost) {
    EXPECT_THROW(limiter_.try_acquire("k", {.rate_per_second = -1, .burst = 1}), std::invalid_argument);
    EXPECT_THROW(limiter_.try_acquire("k", {.rate_per_second = 1, .burst = 0}), std::invalid_argument);
    EXPECT_THROW(limiter_.try_acquire("k", {.rate_per_second = 1, .burst = 1}, -1), std::invalid_argument);
    EXPECT_THROW(LocalRateLimiter(clock_, 0), std::invalid_argument);
}

TEST_F(LocalRateLimiterTest, MemoryStaysBounded) {
    LocalRateLimiter small(clock_, 64);
    for (int i = 0; i < 5000; ++i) {
        small.try_acquire("client-" + std::to_string(i), {.rate_per_second = 1, .burst = 1});
        ASSERT_LE(small.size(), 64u) << "after " << i;
    }
}

TEST_F(LocalRateLimiterTest, ConcurrentCallersNeverOverAdmit) {
    const RateLimit limit{.rate_per_second = 1, .burst = 100};  // time is frozen: no refill
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                if (limiter_.try_acquire("shared", limit).allowed) ++allowed;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace vg::cluster
