#include "cluster/load_balancer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "cluster/consistent_hash.hpp"
#include "cluster/least_outstanding.hpp"
#include "cluster/round_robin.hpp"
#include "instance_fakes.hpp"

namespace vg::cluster {
namespace {

using ::testing::HasSubstr;

TEST(MakeLoadBalancerTest, BuildsEachNamedPolicy) {
    EXPECT_NE(dynamic_cast<RoundRobinBalancer*>(make_load_balancer("round_robin").get()), nullptr);
    EXPECT_NE(dynamic_cast<LeastOutstandingBalancer*>(make_load_balancer("least_outstanding").get()), nullptr);
    EXPECT_NE(dynamic_cast<ConsistentHashBalancer*>(make_load_balancer("consistent_hash").get()), nullptr);
}

TEST(MakeLoadBalancerTest, UnknownPolicyNamesTheAllowedOnes) {
    try {
        make_load_balancer("random");
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("'random'"));
        EXPECT_THAT(e.what(), HasSubstr("round_robin, least_outstanding, consistent_hash"));
    }
}

TEST(MakeLoadBalancerTest, EveryPolicyReturnsNullWhenNothingIsLeft) {
    for (const char* policy : {"round_robin", "least_outstanding", "consistent_hash"}) {
        auto balancer = make_load_balancer(policy);
        EXPECT_EQ(balancer->pick({}, "key", {}), nullptr) << policy;
        EXPECT_EQ(balancer->pick({}, "", {}), nullptr) << policy;
        EXPECT_EQ(balancer->pick(testing::make_set({1, 1}), "key", {"a", "b"}), nullptr) << policy;
        EXPECT_EQ(balancer->pick(testing::make_set({1, 1}), "", {"a", "b"}), nullptr) << policy;
    }
}

TEST(IsExcludedTest, MatchesWholeIdsOnly) {
    EXPECT_TRUE(is_excluded("a:1", {"b:1", "a:1"}));
    EXPECT_FALSE(is_excluded("a:1", {"a:10", "a:"}));
    EXPECT_FALSE(is_excluded("a:1", {}));
}

}  // namespace
}  // namespace vg::cluster
