#include "services/monitor/monitor_clock.hpp"

#include <gtest/gtest.h>

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;

TEST(MonitorClockTest, WallTimeMovesWithTheSteadyClock) {
    cluster::FakeClock steady;
    MonitorClock clock(steady, 1'000'000);
    EXPECT_EQ(clock.unix_ms(), 1'000'000);
    steady.advance(2500ms);
    EXPECT_EQ(clock.unix_ms(), 1'002'500);
    EXPECT_EQ(clock.unix_ms(clock.now() - 500ms), 1'002'000);
}

TEST(MonitorClockTest, FormatsRfc3339InUtc) {
    EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
    // 2024-02-29T23:59:59.123Z: a leap day, checked against `date -u -d @1709251199`.
    EXPECT_EQ(iso8601(1'709'251'199'123), "2024-02-29T23:59:59.123Z");
    EXPECT_EQ(iso8601(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace vg::services::monitor
