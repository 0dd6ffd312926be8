#include "cluster/round_robin.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "instance_fakes.hpp"

namespace vg::cluster {
namespace {

using testing::count_picks;
using testing::make_set;

std::string sequence(RoundRobinBalancer& balancer, const InstanceSet& set, int picks,
                     const std::vector<std::string>& exclude = {}) {
    std::string out;
    for (int i = 0; i < picks; ++i) {
        auto instance = balancer.pick(set, "", exclude);
        out += instance ? instance->id : "-";
    }
    return out;
}

TEST(RoundRobinTest, SmoothWeightedSequenceHasNoBursts) {
    RoundRobinBalancer balancer;
    const auto set = make_set({5, 1, 1});
    // nginx's documented sequence for weights 5,1,1, repeated every cycle.
    EXPECT_EQ(sequence(balancer, set, 14),
              "aabacaa"
              "aabacaa");
}

TEST(RoundRobinTest, EqualWeightsRotate) {
    RoundRobinBalancer balancer;
    EXPECT_EQ(sequence(balancer, make_set({1, 1, 1}), 6), "abcabc");
}

TEST(RoundRobinTest, WeightsAreExactOverEveryCycle) {
    RoundRobinBalancer balancer;
    const auto set = make_set({3, 2, 1, 4});
    for (int cycle = 0; cycle < 5; ++cycle) {
        auto counts = count_picks(10, [&] { return balancer.pick(set, "", {}); });
        EXPECT_EQ(counts, (std::map<std::string, int>{{"a", 3}, {"b", 2}, {"c", 1}, {"d", 4}})) << "cycle " << cycle;
    }
}

TEST(RoundRobinTest, ExcludedInstancesAreSkipped) {
    RoundRobinBalancer balancer;
    const auto set = make_set({1, 1, 1});
    EXPECT_EQ(sequence(balancer, set, 4, {"b"}), "acac");
    EXPECT_EQ(sequence(balancer, set, 3, {"a", "c"}), "bbb");
}

TEST(RoundRobinTest, EmptySetGivesNull) {
    RoundRobinBalancer balancer;
    EXPECT_EQ(balancer.pick({}, "", {}), nullptr);
}

TEST(RoundRobinTest, NonPositiveWeightCountsAsOne) {
    RoundRobinBalancer balancer;
    EXPECT_EQ(sequence(balancer, make_set({0, -3}), 4), "abab");
}

TEST(RoundRobinTest, RemovedInstanceStopsBeingPicked) {
    RoundRobinBalancer balancer;
    auto set = make_set({1, 1, 1});
    sequence(balancer, set, 2);
    set.erase(set.begin() + 1);
    const auto after = sequence(balancer, set, 100);
    EXPECT_EQ(after.find('b'), std::string::npos) << after;
    // Credit carried over from before the change may tilt the first picks, by at most a cycle or so.
    const auto a = std::count(after.begin(), after.end(), 'a');
    EXPECT_NEAR(a, 50, 2) << after;
}

TEST(RoundRobinTest, ConcurrentPicksKeepExactShares) {
    RoundRobinBalancer balancer;
    const auto set = make_set({2, 1, 1});
    constexpr int kThreads = 8;
    constexpr int kPicksPerThread = 1000;  // 8000 picks = 2000 whole cycles of 4
    std::vector<std::map<std::string, int>> counts(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back(
            [&, t] { counts[t] = count_picks(kPicksPerThread, [&] { return balancer.pick(set, "", {}); }); });
    }
    for (auto& thread : threads) thread.join();
    std::map<std::string, int> total;
    for (const auto& c : counts) {
        for (const auto& [id, n] : c) total[id] += n;
    }
    EXPECT_EQ(total, (std::map<std::string, int>{{"a", 4000}, {"b", 2000}, {"c", 2000}}));
}

}  // namespace
}  // namespace vg::cluster
