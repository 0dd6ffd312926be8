#include "cluster/instance.hpp"

#include <gtest/gtest.h>

#include "instance_fakes.hpp"

namespace vg::cluster {
namespace {

TEST(InstanceTest, DefaultsToHealthyWeightOneAndIdle) {
    Instance instance;
    EXPECT_EQ(instance.weight, 1);
    EXPECT_TRUE(instance.healthy.load());
    EXPECT_EQ(instance.outstanding.load(), 0);
}

TEST(InstanceTest, OutstandingIsSharedAcrossSnapshots) {
    auto instance = testing::make_instance("10.0.0.1:8080");
    InstanceSet first{instance};
    InstanceSet second{instance};
    ++first[0]->outstanding;
    EXPECT_EQ(second[0]->outstanding.load(), 1);
    EXPECT_EQ(instance->host, "10.0.0.1");
}

}  // namespace
}  // namespace vg::cluster
