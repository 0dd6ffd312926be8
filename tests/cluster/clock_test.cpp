#include "cluster/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;

TEST(FakeClockTest, StandsStillUntilMoved) {
    FakeClock clock;
    const auto t0 = clock.now();
    EXPECT_EQ(clock.now(), t0);
    clock.advance(1500ms);
    EXPECT_EQ(clock.now() - t0, std::chrono::steady_clock::duration(1500ms));
}

TEST(FakeClockTest, SetJumpsToTheGivenTime) {
    const auto start = std::chrono::steady_clock::time_point{} + 10s;
    FakeClock clock(start);
    EXPECT_EQ(clock.now(), start);
    clock.set(start + 42s);
    EXPECT_EQ(clock.now(), start + 42s);
}

TEST(FakeClockTest, DefaultStartLeavesRoomToSubtract) {
    FakeClock clock;
    EXPECT_GE(clock.now() - std::chrono::hours(1), std::chrono::steady_clock::time_point{});
}

TEST(FakeClockTest, ConcurrentAdvancesAreAllApplied) {
    FakeClock clock;
    const auto t0 = clock.now();
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&clock] {
            for (int j = 0; j < 1000; ++j) clock.advance(1ms);
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(clock.now() - t0, std::chrono::steady_clock::duration(8000ms));
}

TEST(SteadyClockTest, NeverGoesBackwards) {
    SteadyClock clock;
    const Clock& as_base = clock;
    const auto a = as_base.now();
    const auto b = as_base.now();
    EXPECT_LE(a, b);
}

}  // namespace
}  // namespace vg::cluster
