#include "cluster/token_bucket.hpp"

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

class TokenBucketTest : public ::testing::Test {
protected:
    TokenBucketLimiter make(RateLimit limit, std::size_t max_keys = 100000) {
        return TokenBucketLimiter(
            limit, [this] { return clock_.now(); }, max_keys);
    }

    FakeClock clock_;
};

TEST_F(TokenBucketTest, AllowsABurstThenRefuses) {
    auto limiter = make({.rate_per_second = 1, .burst = 3});
    for (int i = 0; i < 3; ++i) {
        auto decision = limiter.try_acquire("client");
        EXPECT_TRUE(decision.allowed) << i;
        EXPECT_DOUBLE_EQ(decision.remaining, 2 - i);
        EXPECT_EQ(decision.retry_after, 0ms);
    }
    auto refused = limiter.try_acquire("client");
    EXPECT_FALSE(refused.allowed);
    EXPECT_DOUBLE_EQ(refused.remaining, 0);
}

TEST_F(TokenBucketTest, RefillsOverTimeUpToBurst) {
    auto limiter = make({.rate_per_second = 10, .burst = 5});
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.try_acquire("k").allowed);
    ASSERT_FALSE(limiter.try_acquire("k").allowed);

    clock_.advance(300ms);  // 3 tokens
    EXPECT_TRUE(limiter.try_acquire("k").allowed);
    EXPECT_TRUE(limiter.try_acquire("k").allowed);
    EXPECT_TRUE(limiter.try_acquire("k").allowed);
    EXPECT_FALSE(limiter.try_acquire("k").allowed);

    clock_.advance(1h);  // far more than burst: capped at 5
    int allowed = 0;
    while (limiter.try_acquire("k").allowed) ++allowed;
    EXPECT_EQ(allowed, 5);
}

TEST_F(TokenBucketTest, RetryAfterIsTheTimeUntilEnoughTokens) {
    auto limiter = make({.rate_per_second = 4, .burst = 2});
    ASSERT_TRUE(limiter.try_acquire("k", 2).allowed);
    auto refused = limiter.try_acquire("k");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 250ms);  // 1 token at 4/s

    clock_.advance(249ms);
    EXPECT_FALSE(limiter.try_acquire("k").allowed);
    clock_.advance(1ms);
    EXPECT_TRUE(limiter.try_acquire("k").allowed);

    // Cost 2 with 0 tokens at 4/s: 500 ms.
    EXPECT_EQ(limiter.try_acquire("k", 2).retry_after, 500ms);
}

TEST_F(TokenBucketTest, RetryAfterRoundsUp) {
    auto limiter = make({.rate_per_second = 3, .burst = 1});
    ASSERT_TRUE(limiter.try_acquire("k").allowed);
    const auto wait = limiter.try_acquire("k").retry_after;
    EXPECT_EQ(wait, 334ms);  // 333.3 ms rounded up
    clock_.advance(wait);
    EXPECT_TRUE(limiter.try_acquire("k").allowed);
}

TEST_F(TokenBucketTest, CostAboveBurstCanNeverSucceed) {
    auto limiter = make({.rate_per_second = 100, .burst = 5});
    auto decision = limiter.try_acquire("k", 6);
    EXPECT_FALSE(decision.allowed);
    EXPECT_EQ(decision.retry_after, std::chrono::milliseconds::max());
    EXPECT_DOUBLE_EQ(decision.remaining, 5);  // a refusal takes nothing
}

TEST_F(TokenBucketTest, ZeroRateIsAFixedAllowance) {
    auto limiter = make({.rate_per_second = 0, .burst = 2});
    EXPECT_TRUE(limiter.try_acquire("k").allowed);
    EXPECT_TRUE(limiter.try_acquire("k").allowed);
    clock_.advance(24h);
    auto refused = limiter.try_acquire("k");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, std::chrono::milliseconds::max());
}

TEST_F(TokenBucketTest, KeysAreIndependent) {
    auto limiter = make({.rate_per_second = 1, .burst = 2});
    EXPECT_TRUE(limiter.try_acquire("alice").allowed);
    EXPECT_TRUE(limiter.try_acquire("alice").allowed);
    EXPECT_FALSE(limiter.try_acquire("alice").allowed);
    EXPECT_TRUE(limiter.try_acquire("bob").allowed);
    EXPECT_TRUE(limiter.try_acquire("bob").allowed);
    EXPECT_FALSE(limiter.try_acquire("bob").allowed);
}

TEST_F(TokenBucketTest, EvictionKeepsTheKeyCountBounded) {
    auto limiter = make({.rate_per_second = 1, .burst = 1}, 64);
    for (int i = 0; i < 10000; ++i) {
        limiter.try_acquire("client-" + std::to_string(i));
        ASSERT_LE(limiter.size(), 64u) << "after " << i;
    }
    EXPECT_GT(limiter.size(), 0u);
}

TEST_F(TokenBucketTest, EvictsTheLeastRecentlyUsedKey) {
    // max_keys 1: one shard holding one key, so eviction order is fully observable.
    auto limiter = make({.rate_per_second = 1, .burst = 1}, 1);
    ASSERT_TRUE(limiter.try_acquire("old").allowed);
    ASSERT_FALSE(limiter.try_acquire("old").allowed);
    ASSERT_TRUE(limiter.try_acquire("new").allowed);  // evicts "old"
    EXPECT_EQ(limiter.size(), 1u);
    EXPECT_FALSE(limiter.try_acquire("new").allowed);  // "new" was kept, still empty
    EXPECT_TRUE(limiter.try_acquire("old").allowed);   // "old" was forgotten: a fresh bucket
}

TEST_F(TokenBucketTest, AKeyInUseIsNeverEvicted) {
    // Room for at least two keys per shard; "hot" is touched before every new key arrives, so only
    // an oldest-touched policy keeps it (evicting by insertion age would drop it and refill it).
    auto limiter = make({.rate_per_second = 0.001, .burst = 1}, 32);
    ASSERT_TRUE(limiter.try_acquire("hot").allowed);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_FALSE(limiter.try_acquire("hot").allowed) << "evicted before new key " << i;
        limiter.try_acquire("cold-" + std::to_string(i));
    }
}

TEST_F(TokenBucketTest, RejectsBadConfigAndCost) {
    EXPECT_THROW(make({.rate_per_second = -1, .burst = 1}), std::invalid_argument);
    EXPECT_THROW(make({.rate_per_second = 1, .burst = 0}), std::invalid_argument);
    EXPECT_THROW(make({.rate_per_second = 1, .burst = 1}, 0), std::invalid_argument);
    auto limiter = make({.rate_per_second = 1, .burst = 1});
    EXPECT_THROW(limiter.try_acquire("k", -1), std::invalid_argument);
}

TEST_F(TokenBucketTest, ConcurrentAcquiresNeverExceedBurstPlusRefill) {
    constexpr double kRate = 1000;  // per second: 1 token per fake millisecond
    constexpr double kBurst = 50;
    auto limiter = make({.rate_per_second = kRate, .burst = kBurst});
    constexpr int kThreads = 8;
    constexpr int kTicks = 200;

    std::atomic<int> allowed{0};
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            // Keep hammering until time has stopped moving, then drain once more.
            while (!done.load()) {
                if (limiter.try_acquire("shared").allowed) ++allowed;
            }
            while (limiter.try_acquire("shared").allowed) ++allowed;
        });
    }
    for (int tick = 0; tick < kTicks; ++tick) clock_.advance(1ms);
    done = true;
    for (auto& thread : threads) thread.join();

    // Every token ever available: the initial burst plus what the fake time refilled.
    const int ceiling = static_cast<int>(kBurst + kRate * kTicks / 1000.0);
    EXPECT_LE(allowed.load(), ceiling);
    // And, since the final drain empties the bucket, nothing was lost either.
    EXPECT_GE(allowed.load(), static_cast<int>(kBurst));
}

TEST_F(TokenBucketTest, ConcurrentAcquiresOnFrozenTimeGrantExactlyTheBurst) {
    auto limiter = make({.rate_per_second = 1, .burst = 100});
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                if (limiter.try_acquire("shared").allowed) ++allowed;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace vg::cluster
