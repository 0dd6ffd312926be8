#include "cluster/backoff.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;

BackoffConfig no_jitter() {
    BackoffConfig c;
    c.jitter = 0;
    return c;
}

TEST(BackoffTest, DefaultsDoubleFromHalfASecondUpToFiveSeconds) {
    std::mt19937_64 rng(1);
    const BackoffConfig c = no_jitter();
    EXPECT_EQ(backoff_delay(c, 1, rng), 500ms);
    EXPECT_EQ(backoff_delay(c, 2, rng), 1000ms);
    EXPECT_EQ(backoff_delay(c, 3, rng), 2000ms);
    EXPECT_EQ(backoff_delay(c, 4, rng), 4000ms);
    EXPECT_EQ(backoff_delay(c, 5, rng), 5000ms);
    EXPECT_EQ(backoff_delay(c, 6, rng), 5000ms);
}

TEST(BackoffTest, HugeAttemptsSaturateAtMax) {
    std::mt19937_64 rng(1);
    const BackoffConfig c = no_jitter();
    EXPECT_EQ(backoff_delay(c, 64, rng), 5000ms);
    EXPECT_EQ(backoff_delay(c, 5000, rng), 5000ms);  // 2^4999 is +inf in a double
    EXPECT_EQ(backoff_delay(c, std::numeric_limits<int>::max(), rng), 5000ms);
}

TEST(BackoffTest, FractionalMultiplier) {
    std::mt19937_64 rng(1);
    BackoffConfig c = no_jitter();
    c.initial = 100ms;
    c.multiplier = 1.5;
    EXPECT_EQ(backoff_delay(c, 1, rng), 100ms);
    EXPECT_EQ(backoff_delay(c, 2, rng), 150ms);
    EXPECT_EQ(backoff_delay(c, 3, rng), 225ms);
}

TEST(BackoffTest, JitterStaysWithinBoundsAndActuallyVaries) {
    std::mt19937_64 rng(42);
    const BackoffConfig c;  // ±20 %
    // Undithered delays for attempts 1..6 with the defaults, written out by hand.
    const std::chrono::milliseconds base[] = {500ms, 1000ms, 2000ms, 4000ms, 5000ms, 5000ms};
    for (int attempt = 1; attempt <= 6; ++attempt) {
        const auto d = base[attempt - 1];
        std::set<long long> distinct;
        for (int i = 0; i < 2000; ++i) {
            const auto delay = backoff_delay(c, attempt, rng);
            EXPECT_GE(delay.count() * 10, d.count() * 8) << "attempt " << attempt;
            EXPECT_LE(delay.count() * 10, d.count() * 12) << "attempt " << attempt;
            EXPECT_LE(delay, 6000ms);
            distinct.insert(delay.count());
        }
        EXPECT_GT(distinct.size(), 50u) << "attempt " << attempt;
    }
}

TEST(BackoffTest, JitterCoversBothSidesOfTheBase) {
    std::mt19937_64 rng(7);
    const BackoffConfig c;
    bool below = false;
    bool above = false;
    for (int i = 0; i < 1000; ++i) {
        const auto delay = backoff_delay(c, 2, rng);
        below = below || delay < 950ms;
        above = above || delay > 1050ms;
    }
    EXPECT_TRUE(below);
    EXPECT_TRUE(above);
}

TEST(BackoffTest, FullJitterCanReachZeroButNotBeyondTwiceMax) {
    std::mt19937_64 rng(3);
    BackoffConfig c;
    c.jitter = 1;
    for (int i = 0; i < 1000; ++i) {
        const auto delay = backoff_delay(c, 10, rng);
        EXPECT_GE(delay, 0ms);
        EXPECT_LE(delay, 10000ms);
    }
}

TEST(BackoffTest, ZeroInitialGivesZero) {
    std::mt19937_64 rng(1);
    BackoffConfig c;
    c.initial = 0ms;
    EXPECT_EQ(backoff_delay(c, 3, rng), 0ms);
}

TEST(BackoffTest, RejectsBadInput) {
    std::mt19937_64 rng(1);
    const BackoffConfig good;
    EXPECT_THROW(backoff_delay(good, 0, rng), std::invalid_argument);
    EXPECT_THROW(backoff_delay(good, -1, rng), std::invalid_argument);

    auto bad = [&](auto mutate) {
        BackoffConfig c;
        mutate(c);
        return c;
    };
    EXPECT_THROW(backoff_delay(bad([](auto& c) { c.initial = -1ms; }), 1, rng), std::invalid_argument);
    EXPECT_THROW(backoff_delay(bad([](auto& c) { c.max = 100ms; }), 1, rng), std::invalid_argument);
    EXPECT_THROW(backoff_delay(bad([](auto& c) { c.multiplier = 0.5; }), 1, rng), std::invalid_argument);
    EXPECT_THROW(backoff_delay(bad([](auto& c) { c.multiplier = std::numeric_limits<double>::infinity(); }), 1, rng),
                 std::invalid_argument);
    EXPECT_THROW(backoff_delay(bad([](auto& c) { c.multiplier = std::numeric_limits<double>::quiet_NaN(); }), 1, rng),
                 std::invalid_argument);
    EXPECT_THROW(backoff_delay(bad([](auto& c) { c.jitter = -0.1; }), 1, rng), std::invalid_argument);
    EXPECT_THROW(backoff_delay(bad([](auto& c) { c.jitter = 1.5; }), 1, rng), std::invalid_argument);
}

}  // namespace
}  // namespace vg::cluster
