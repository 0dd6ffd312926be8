#include "services/monitor/point_ring.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vg::services::monitor {
namespace {

std::vector<std::int64_t> times(const std::vector<Point>& points) {
    std::vector<std::int64_t> out;
    for (const auto& p : points) out.push_back(p.time_ms);
    return out;
}

TEST(PointRingTest, KeepsTheNewestPointsOldestFirst) {
    PointRing ring(3);
    for (std::int64_t t = 1; t <= 5; ++t) EXPECT_TRUE(ring.push({t * 10, static_cast<double>(t)}));
    EXPECT_EQ(ring.size(), 3u);
    EXPECT_TRUE(ring.wrapped());
    EXPECT_EQ(times(ring.since(0)), (std::vector<std::int64_t>{30, 40, 50}));
    EXPECT_EQ(ring.oldest().value, 3);
    EXPECT_EQ(ring.newest().value, 5);
}

TEST(PointRingTest, SinceFiltersByTime) {
    PointRing ring(10);
    for (std::int64_t t = 1; t <= 4; ++t) ring.push({t * 10, 0});
    EXPECT_FALSE(ring.wrapped());
    EXPECT_EQ(times(ring.since(25)), (std::vector<std::int64_t>{30, 40}));
    EXPECT_EQ(times(ring.since(40)), (std::vector<std::int64_t>{40}));
    EXPECT_TRUE(ring.since(41).empty());
}

TEST(PointRingTest, IgnoresPointsOutOfOrder) {
    PointRing ring(4);
    ring.push({100, 1});
    EXPECT_FALSE(ring.push({100, 2}));
    EXPECT_FALSE(ring.push({50, 3}));
    EXPECT_EQ(ring.size(), 1u);
    EXPECT_EQ(ring.newest().value, 1);
}

TEST(PointRingTest, MemoryFollowsThePointsHeld) {
    EXPECT_THROW(PointRing(0), std::invalid_argument);
    PointRing ring(1'000'000);
    ring.push({1, 1});
    EXPECT_EQ(ring.size(), 1u);  // nothing preallocated for the capacity
}

}  // namespace
}  // namespace vg::services::monitor
