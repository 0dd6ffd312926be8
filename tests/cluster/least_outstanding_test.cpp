#include "cluster/least_outstanding.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "cluster/clock.hpp"
#include "instance_fakes.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using testing::count_picks;
using testing::make_instance;
using testing::make_set;

constexpr std::uint64_t kSeed = 42;

class LeastOutstandingTest : public ::testing::Test {
protected:
    LeastOutstandingBalancer make(SlowStartConfig slow_start = {}) {
        return LeastOutstandingBalancer(
            slow_start, [this] { return clock_.now(); }, kSeed);
    }

    FakeClock clock_;
};

TEST_F(LeastOutstandingTest, AlwaysPrefersTheLessLoadedOfTwo) {
    auto balancer = make();
    const auto set = make_set({1, 1});
    set[0]->outstanding = 50;
    set[1]->outstanding = 3;
    auto counts = count_picks(1000, [&] { return balancer.pick(set, "", {}); });
    EXPECT_EQ(counts["b"], 1000);
}

TEST_F(LeastOutstandingTest, HeavilyLoadedInstanceGetsFarLessTraffic) {
    auto balancer = make();
    const auto set = make_set({1, 1, 1, 1});
    set[2]->outstanding = 100;
    auto counts = count_picks(1000, [&] { return balancer.pick(set, "", {}); });
    // "c" wins no comparison it takes part in, so it can only be picked never.
    EXPECT_EQ(counts["c"], 0);
    // The other three share the traffic.
    for (const char* id : {"a", "b", "d"}) EXPECT_GT(counts[id], 200) << id;
}

TEST_F(LeastOutstandingTest, LoadIsWeightAdjusted) {
    auto balancer = make();
    const auto set = make_set({4, 1});
    // Per unit of weight "a" carries (7+1)/4 = 2, "b" carries (2+1)/1 = 3: "a" is less loaded.
    set[0]->outstanding = 7;
    set[1]->outstanding = 2;
    auto counts = count_picks(100, [&] { return balancer.pick(set, "", {}); });
    EXPECT_EQ(counts["a"], 100);
}

TEST_F(LeastOutstandingTest, SpreadsEvenlyWhenLoadTracksPicks) {
    auto balancer = make();
    const auto set = make_set({1, 1, 1});
    // Requests that never complete: each pick adds load, so P2C keeps the three within one of each other.
    for (int i = 0; i < 300; ++i) ++balancer.pick(set, "", {})->outstanding;
    for (const auto& instance : set) EXPECT_NEAR(instance->outstanding.load(), 100, 5) << instance->id;
}

TEST_F(LeastOutstandingTest, ExcludedInstancesAreNeverPicked) {
    auto balancer = make();
    const auto set = make_set({1, 1, 1});
    set[0]->outstanding = 100;  // the only non-excluded one, loaded or not
    auto counts = count_picks(200, [&] { return balancer.pick(set, "", {"b", "c"}); });
    EXPECT_EQ(counts, (std::map<std::string, int>{{"a", 200}}));
}

TEST_F(LeastOutstandingTest, EmptyOrFullyExcludedGivesNull) {
    auto balancer = make();
    EXPECT_EQ(balancer.pick({}, "", {}), nullptr);
    EXPECT_EQ(balancer.pick(make_set({1}), "", {"a"}), nullptr);
}

TEST_F(LeastOutstandingTest, SamplesEveryCandidate) {
    auto balancer = make();
    const auto set = make_set({1, 1, 1, 1, 1, 1, 1, 1});
    auto counts = count_picks(2000, [&] { return balancer.pick(set, "", {}); });
    EXPECT_EQ(counts.size(), 8u);
}

TEST_F(LeastOutstandingTest, SlowStartShrinksANewInstancesShareUntilTheWindowEnds) {
    const SlowStartConfig slow_start{10s};
    auto balancer = make(slow_start);
    // "old" has been healthy for long; "new" became healthy now. Both carry the same load.
    const InstanceSet set{make_instance("old", 1, clock_.now() - 1h), make_instance("new", 1, clock_.now())};
    set[0]->outstanding = 1;
    set[1]->outstanding = 1;

    auto at_start = count_picks(1000, [&] { return balancer.pick(set, "", {}); });
    EXPECT_EQ(at_start["new"], 0);  // 10 % weight: (1+1)/0.1 = 20 against (1+1)/1 = 2

    clock_.advance(10s);
    auto at_window = count_picks(1000, [&] { return balancer.pick(set, "", {}); });
    // Equal effective weights: the tie goes to whichever the random sample put first.
    EXPECT_GT(at_window["new"], 350);
    EXPECT_GT(at_window["old"], 350);
}

TEST_F(LeastOutstandingTest, SlowStartNewInstanceTakesLoadInProportionToItsRamp) {
    const SlowStartConfig slow_start{10s};
    auto balancer = make(slow_start);
    const InstanceSet set{make_instance("old", 1, clock_.now() - 1h), make_instance("new", 1, clock_.now())};
    // Load tracks picks (requests never finish): P2C then equalises outstanding/effective_weight,
    // so at 10 % weight the new instance ends up with about 1/11 of the requests.
    for (int i = 0; i < 1100; ++i) ++balancer.pick(set, "", {})->outstanding;
    EXPECT_NEAR(set[1]->outstanding.load(), 100, 5);
}

TEST(EffectiveWeightTest, RampsLinearlyFromTenPercent) {
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    const SlowStartConfig slow_start{std::chrono::milliseconds(1000)};
    auto instance = make_instance("a", 4, t0);
    EXPECT_DOUBLE_EQ(effective_weight(*instance, slow_start, t0), 0.4);
    EXPECT_DOUBLE_EQ(effective_weight(*instance, slow_start, t0 + 500ms), 4 * 0.55);
    EXPECT_DOUBLE_EQ(effective_weight(*instance, slow_start, t0 + 1000ms), 4.0);
    EXPECT_DOUBLE_EQ(effective_weight(*instance, slow_start, t0 + 1h), 4.0);
    // Before healthy_since (clock skew in tests) the floor still applies.
    EXPECT_DOUBLE_EQ(effective_weight(*instance, slow_start, t0 - 1s), 0.4);
}

TEST(EffectiveWeightTest, WindowZeroDisablesSlowStart) {
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    auto instance = make_instance("a", 3, t0);
    EXPECT_DOUBLE_EQ(effective_weight(*instance, SlowStartConfig{}, t0), 3.0);
}

TEST(EffectiveWeightTest, NonPositiveWeightCountsAsOne) {
    auto instance = make_instance("a", 0);
    EXPECT_DOUBLE_EQ(effective_weight(*instance, SlowStartConfig{}, {}), 1.0);
}

}  // namespace
}  // namespace vg::cluster
