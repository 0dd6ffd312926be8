#include "services/monitor/series_store.hpp"

#include <gtest/gtest.h>

namespace vg::services::monitor {
namespace {

Sample sample(std::string name, Labels labels, double value) {
    return Sample{std::move(name), std::move(labels), value, std::nullopt};
}

TEST(SeriesStoreTest, KeysSeriesByNameLabelsAndInstance) {
    SeriesStore store(StoreLimits{10, 100});
    // The same name and labels from two instances are two series; an `instance` label stays a label.
    store.append_scrape(
        "a:1", {sample("req_total", {{"instance", "m:9"}}, 1), sample("req_total", {{"instance", "m:8"}}, 2)}, 1000);
    store.append_scrape("b:1", {sample("req_total", {{"instance", "m:9"}}, 5)}, 1000);
    EXPECT_EQ(store.series_count(), 3u);
    const auto a = store.select("req_total", "a:1", 0);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].key.instance, "a:1");
    EXPECT_EQ(store.select("req_total", "", 0).size(), 3u);
    const auto b = store.select("req_total", "b:1", 0);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].points.at(0).value, 5);
    EXPECT_TRUE(store.select("req", "", 0).empty()) << "a name prefix is not a match";
    EXPECT_TRUE(store.select("req_total", "a:", 0).empty());
}

TEST(SeriesStoreTest, BoundsPointsPerSeriesAndTheNumberOfSeries) {
    SeriesStore store(StoreLimits{3, 2});
    for (int t = 1; t <= 5; ++t) {
        const std::size_t dropped =
            store.append_scrape("a:1", {sample("x", {}, t), sample("y", {}, t), sample("z", {}, t)}, t * 1000);
        EXPECT_EQ(dropped, 1u) << "the third series does not fit";
    }
    EXPECT_EQ(store.series_count(), 2u);
    EXPECT_EQ(store.dropped_samples(), 5u);
    const auto x = store.select("x", "a:1", 0);
    ASSERT_EQ(x.size(), 1u);
    ASSERT_EQ(x[0].points.size(), 3u);
    EXPECT_EQ(x[0].points.front().time_ms, 3000);
    EXPECT_TRUE(store.select("z", "", 0).empty());
}

TEST(SeriesStoreTest, SelectsPointsSinceATimeAndExpiresSilentSeries) {
    SeriesStore store(StoreLimits{10, 10});
    store.append_scrape("a:1", {sample("x", {}, 1), sample("old", {}, 1)}, 1000);
    store.append_scrape("a:1", {sample("x", {}, 2)}, 2000);
    store.append_scrape("a:1", {sample("x", {}, 3)}, 3000);
    EXPECT_EQ(store.select("x", "a:1", 2000).at(0).points.size(), 2u);
    EXPECT_TRUE(store.select("old", "a:1", 1001).empty()) << "no point in range";
    EXPECT_EQ(store.expire(2500), 1u);
    EXPECT_TRUE(store.select("old", "", 0).empty());
    EXPECT_EQ(store.select("x", "", 0).size(), 1u);
}

TEST(SeriesStoreTest, MarksSeriesBornAfterTheInstancesFirstScrape) {
    SeriesStore store(StoreLimits{10, 10});
    store.append_scrape("a:1", {sample("errors_total", {{"status", "200"}}, 40)}, 1000);
    store.append_scrape(
        "a:1", {sample("errors_total", {{"status", "200"}}, 41), sample("errors_total", {{"status", "500"}}, 2)}, 2000);
    const auto series = store.select("errors_total", "a:1", 0);
    ASSERT_EQ(series.size(), 2u);
    EXPECT_FALSE(series[0].born_during_window) << "present at the first scrape: its history is unknown";
    EXPECT_TRUE(series[1].born_during_window) << "appeared later: it counted from zero";
    EXPECT_TRUE(store.select("errors_total", "a:1", 2001).empty());
}

TEST(SeriesStoreTest, DropsAnInstance) {
    SeriesStore store(StoreLimits{10, 10});
    store.append_scrape("a:1", {sample("x", {}, 1)}, 1000);
    store.append_scrape("b:1", {sample("x", {}, 1)}, 1000);
    store.append("a:1", "figure.requests_per_second", 4, 1000);
    store.drop_instance("a:1");
    EXPECT_EQ(store.series_count(), 1u);
    EXPECT_EQ(store.select("x", "", 0).at(0).key.instance, "b:1");
    // Back again, it is a first scrape once more.
    store.append_scrape("a:1", {sample("x", {}, 7)}, 2000);
    EXPECT_FALSE(store.select("x", "a:1", 0).at(0).born_during_window);
}

}  // namespace
}  // namespace vg::services::monitor
