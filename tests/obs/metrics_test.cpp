#include "obs/metrics.hpp"

#include <algorithm>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace vg::obs {
namespace {

using ::testing::HasSubstr;

TEST(ExposeMetricsTest, ContainsARegisteredCounter) {
    prometheus::Registry registry;
    auto& family = prometheus::BuildCounter()
                       .Name("visiongrid_test_requests_total")
                       .Help("Requests seen by the test")
                       .Register(registry);
    family.Add({}).Increment(3);
    family.Add({{"route", "/v1/x"}}).Increment();

    std::string text = expose_metrics(registry);
    EXPECT_THAT(text, HasSubstr("# HELP visiongrid_test_requests_total Requests seen by the test\n"));
    EXPECT_THAT(text, HasSubstr("# TYPE visiongrid_test_requests_total counter\n"));
    EXPECT_THAT(text, HasSubstr("\nvisiongrid_test_requests_total 3\n"));
    EXPECT_THAT(text, HasSubstr("visiongrid_test_requests_total{route=\"/v1/x\"} 1\n"));
}

TEST(ExposeMetricsTest, EmptyRegistryHasNoSamples) {
    prometheus::Registry registry;
    EXPECT_EQ(expose_metrics(registry), "");
}

TEST(LatencyBucketsTest, AscendFromOneMillisecondToOneMinute) {
    const auto& buckets = latency_buckets();
    ASSERT_FALSE(buckets.empty());
    EXPECT_DOUBLE_EQ(buckets.front(), 0.001);
    EXPECT_DOUBLE_EQ(buckets.back(), 60.0);
    EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
    EXPECT_EQ(std::adjacent_find(buckets.begin(), buckets.end()), buckets.end());
}

}  // namespace
}  // namespace vg::obs
