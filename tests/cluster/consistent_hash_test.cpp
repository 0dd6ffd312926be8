#include "cluster/consistent_hash.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cluster/clock.hpp"
#include "instance_fakes.hpp"

namespace vg::cluster {
namespace {

using testing::count_picks;
using testing::make_instance;

constexpr int kKeys = 1000;

std::string key_of(int i) {
    return "image-" + std::to_string(i);
}

InstanceSet four_instances() {
    return {make_instance("10.0.0.1:80"), make_instance("10.0.0.2:80"), make_instance("10.0.0.3:80"),
            make_instance("10.0.0.4:80")};
}

class ConsistentHashTest : public ::testing::Test {
protected:
    ConsistentHashBalancer make() {
        return ConsistentHashBalancer(
            SlowStartConfig{}, [this] { return clock_.now(); }, 7);
    }

    // Which instance id each of kKeys keys goes to.
    static std::vector<std::string> assignment(ConsistentHashBalancer& balancer, const InstanceSet& set) {
        std::vector<std::string> ids;
        for (int i = 0; i < kKeys; ++i) ids.push_back(balancer.pick(set, key_of(i), {})->id);
        return ids;
    }

    FakeClock clock_;
};

TEST_F(ConsistentHashTest, SameKeyGoesToSameInstance) {
    auto balancer = make();
    const auto set = four_instances();
    const auto first = assignment(balancer, set);
    EXPECT_EQ(assignment(balancer, set), first);
    // A separate balancer agrees: placement depends on ids only, so every gateway routes alike.
    auto other = make();
    EXPECT_EQ(assignment(other, set), first);
    // A fresh snapshot with the same instances (new objects, other order) keeps the placement.
    auto reordered = four_instances();
    std::swap(reordered[0], reordered[3]);
    EXPECT_EQ(assignment(balancer, reordered), first);
}

TEST_F(ConsistentHashTest, KeysSpreadOverAllInstances) {
    auto balancer = make();
    const auto set = four_instances();
    std::map<std::string, int> counts;
    for (const auto& id : assignment(balancer, set)) ++counts[id];
    ASSERT_EQ(counts.size(), 4u);
    for (const auto& [id, n] : counts) EXPECT_NEAR(n, kKeys / 4, kKeys / 10) << id;
}

TEST_F(ConsistentHashTest, RemovingAnInstanceMovesOnlyItsKeys) {
    auto balancer = make();
    auto set = four_instances();
    const auto before = assignment(balancer, set);
    const std::string removed = set[1]->id;
    set.erase(set.begin() + 1);
    const auto after = assignment(balancer, set);

    int moved = 0;
    for (int i = 0; i < kKeys; ++i) {
        if (before[i] == after[i]) continue;
        ++moved;
        EXPECT_EQ(before[i], removed) << key_of(i) << " moved from " << before[i] << " to " << after[i];
    }
    EXPECT_NEAR(moved, kKeys / 4, kKeys / 10);
}

TEST_F(ConsistentHashTest, AddingAnInstanceTakesAboutItsShare) {
    auto balancer = make();
    auto set = four_instances();
    const auto before = assignment(balancer, set);
    set.push_back(make_instance("10.0.0.5:80"));
    const auto after = assignment(balancer, set);
    int moved = 0;
    for (int i = 0; i < kKeys; ++i) {
        if (before[i] == after[i]) continue;
        ++moved;
        EXPECT_EQ(after[i], "10.0.0.5:80") << key_of(i);
    }
    EXPECT_NEAR(moved, kKeys / 5, kKeys / 10);
}

TEST_F(ConsistentHashTest, WeightsSkewTheDistribution) {
    auto balancer = make();
    const InstanceSet set{make_instance("heavy:80", 3), make_instance("light:80", 1)};
    std::map<std::string, int> counts;
    for (int i = 0; i < 10 * kKeys; ++i) ++counts[balancer.pick(set, key_of(i), {})->id];
    EXPECT_NEAR(counts["heavy:80"], 7500, 700);
    EXPECT_NEAR(counts["light:80"], 2500, 700);
}

TEST_F(ConsistentHashTest, ExclusionWalksToAnotherInstanceAndIsStable) {
    auto balancer = make();
    const auto set = four_instances();
    const auto before = assignment(balancer, set);
    std::map<std::string, int> retry_targets;
    for (int i = 0; i < kKeys; ++i) {
        auto retry = balancer.pick(set, key_of(i), {before[i]});
        ASSERT_NE(retry, nullptr);
        EXPECT_NE(retry->id, before[i]);
        // The retry target is the same every time, so retries of a key also share a warm cache.
        EXPECT_EQ(balancer.pick(set, key_of(i), {before[i]})->id, retry->id);
        ++retry_targets[retry->id];
    }
    EXPECT_EQ(retry_targets.size(), 4u);  // retries spread too, not all onto one neighbour
}

TEST_F(ConsistentHashTest, ExcludedWalkMatchesRemovingTheInstance) {
    // Walking past an excluded instance lands where the key would go if that instance were gone,
    // so a retry after a failure warms the same instance that will own the key if it is removed.
    auto balancer = make();
    auto set = four_instances();
    const std::string gone = set[2]->id;
    std::vector<std::string> walked;
    for (int i = 0; i < kKeys; ++i) walked.push_back(balancer.pick(set, key_of(i), {gone})->id);
    set.erase(set.begin() + 2);
    EXPECT_EQ(assignment(balancer, set), walked);
}

TEST_F(ConsistentHashTest, UnhealthyInstancesAreSkipped) {
    auto balancer = make();
    const auto set = four_instances();
    set[0]->healthy = false;
    for (const auto& id : assignment(balancer, set)) EXPECT_NE(id, set[0]->id);
}

TEST_F(ConsistentHashTest, AllExcludedGivesNull) {
    auto balancer = make();
    const auto set = four_instances();
    std::vector<std::string> all;
    for (const auto& instance : set) all.push_back(instance->id);
    EXPECT_EQ(balancer.pick(set, "k", all), nullptr);
    EXPECT_EQ(balancer.pick({}, "k", {}), nullptr);
}

TEST_F(ConsistentHashTest, EmptyKeyFallsBackToLeastOutstanding) {
    auto balancer = make();
    const auto set = four_instances();
    set[0]->outstanding = 100;
    set[1]->outstanding = 100;
    set[2]->outstanding = 100;
    // With a key the loaded instances still get their keys; without one the idle instance wins
    // every comparison it is in, and the others only when it is not sampled.
    auto counts = count_picks(1000, [&] { return balancer.pick(set, "", {}); });
    EXPECT_GT(counts["10.0.0.4:80"], 400);
    EXPECT_LT(counts["10.0.0.1:80"], 250);
}

TEST_F(ConsistentHashTest, ConcurrentPicksOverChangingSetsAgreeWithASingleThread) {
    auto balancer = make();
    auto full = four_instances();
    InstanceSet partial(full.begin(), full.begin() + 3);
    auto reference = make();
    const auto expected_full = assignment(reference, full);
    const auto expected_partial = assignment(reference, partial);

    std::vector<std::thread> threads;
    std::vector<int> mismatches(8, 0);
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            // Alternate sets so the ring is rebuilt while other threads read it.
            const auto& set = t % 2 == 0 ? full : partial;
            const auto& expected = t % 2 == 0 ? expected_full : expected_partial;
            for (int i = 0; i < kKeys; ++i) {
                if (balancer.pick(set, key_of(i), {})->id != expected[i]) ++mismatches[t];
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < 8; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace vg::cluster
