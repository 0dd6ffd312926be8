#include "services/monitor/figures.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;

constexpr double kInf = std::numeric_limits<double>::infinity();

Sample sample(std::string name, Labels labels, double value) {
    return Sample{std::move(name), std::move(labels), value, std::nullopt};
}

Labels requests(const std::string& route, const std::string& status) {
    return {{"method", "POST"}, {"route", route}, {"server", "model"}, {"status", status}};
}
Labels bucket(const std::string& route, const std::string& le) {
    return {{"le", le}, {"route", route}, {"server", "model"}};
}

TEST(CounterIncreaseTest, CountsResetsFromZero) {
    SeriesData series{{"x", "a:1", {}}, {{1, 10}, {2, 15}, {3, 3}, {4, 8}}, false, 1};
    EXPECT_EQ(counter_increase(series), 5 + 3 + 5);
    series.born_during_window = true;
    EXPECT_EQ(counter_increase(series), 10 + 13) << "a series born in the window counted from 0";
    series.born_ms = 0;
    EXPECT_EQ(counter_increase(series), 13) << "only when its birth point is the first one held";
}

TEST(HistogramQuantileTest, InterpolatesInsideTheBucket) {
    const std::vector<std::pair<double, double>> buckets{{0.1, 10}, {1, 20}, {kInf, 20}};
    EXPECT_DOUBLE_EQ(*histogram_quantile(0.5, buckets), 0.1);                  // rank 10: the top of the first bucket
    EXPECT_DOUBLE_EQ(*histogram_quantile(0.75, buckets), 0.1 + 0.9 * 5 / 10);  // rank 15: half way into (0.1, 1]
    EXPECT_DOUBLE_EQ(*histogram_quantile(0.25, buckets), 0.1 * 5 / 10);        // rank 5 in (0, 0.1]
}

TEST(HistogramQuantileTest, TheInfBucketAnswersWithTheHighestFiniteBound) {
    EXPECT_DOUBLE_EQ(*histogram_quantile(0.99, {{0.1, 10}, {1, 10}, {kInf, 20}}), 1);
}

TEST(HistogramQuantileTest, NoAnswerWithoutDataOrInf) {
    EXPECT_FALSE(histogram_quantile(0.5, {{0.1, 0}, {kInf, 0}}));
    EXPECT_FALSE(histogram_quantile(0.5, {{0.1, 3}, {1, 4}}));
    EXPECT_FALSE(histogram_quantile(0.5, {}));
    EXPECT_FALSE(histogram_quantile(1.5, {{0.1, 3}, {kInf, 4}}));
}

TEST(HistogramQuantileTest, OrdersBucketsAndRepairsDips) {
    // Given out of order, and a dip (buckets summed from series scraped mid-update).
    EXPECT_DOUBLE_EQ(*histogram_quantile(0.5, {{kInf, 20}, {1, 9}, {0.1, 10}}), 0.1);
}

// A model instance scraped twice, ten seconds apart.
class FiguresTest : public ::testing::Test {
protected:
    FiguresTest() : store_(StoreLimits{100, 1000}), figures_(store_) {
        store_.append_scrape("m:1", scrape(0), kT0);
        store_.append_scrape("m:1", scrape(1), kT0 + 10'000);
    }

    static std::vector<Sample> scrape(int n) {
        std::vector<Sample> out = {
            sample("visiongrid_http_requests_total", requests("/api/model/infer", "200"), 100 + 50 * n),
            sample("visiongrid_http_requests_total", requests("/api/model/infer", "500"), 10 + 10 * n),
            // The monitor's own scrapes and readiness probes: not traffic.
            sample("visiongrid_http_requests_total", requests("/metrics", "200"), 5 + 1000 * n),
            sample("visiongrid_http_requests_total", requests("/ready", "503"), 1000 * n),
            sample("visiongrid_http_request_duration_seconds_bucket", bucket("/api/model/infer", "0.1"), 1 + 10 * n),
            sample("visiongrid_http_request_duration_seconds_bucket", bucket("/api/model/infer", "1"), 1 + 20 * n),
            sample("visiongrid_http_request_duration_seconds_bucket", bucket("/api/model/infer", "+Inf"), 1 + 20 * n),
            sample("visiongrid_http_request_duration_seconds_bucket", bucket("/metrics", "0.1"), 1000 * n),
            sample("visiongrid_http_request_duration_seconds_bucket", bucket("/metrics", "1"), 1000 * n),
            sample("visiongrid_http_request_duration_seconds_bucket", bucket("/metrics", "+Inf"), 1000 * n),
            sample("visiongrid_model_queue_depth", {}, 3 + n),
            sample("visiongrid_model_active_slots", {}, 2),
            sample("visiongrid_model_decode_tokens_total", {}, 1000 + 250 * n),
            sample("visiongrid_model_image_cache_hits_total", {}, 30 * n),
            sample("visiongrid_model_image_cache_misses_total", {}, 10 * n),
        };
        return out;
    }

    std::optional<double> figure(Figure f) const { return figures_.figure(f, "m:1", kT0 + 10'000, 60s); }

    static constexpr std::int64_t kT0 = 1'700'000'000'000;
    SeriesStore store_;
    FigureCalculator figures_;
};

TEST_F(FiguresTest, RatesLeaveProbesOut) {
    EXPECT_DOUBLE_EQ(*figure(Figure::kRequestsPerSecond), (50.0 + 10.0) / 10.0);
    EXPECT_DOUBLE_EQ(*figure(Figure::kTokensPerSecond), 250.0 / 10.0);
}

TEST_F(FiguresTest, ErrorRatioIsTheShareOf5xx) {
    EXPECT_DOUBLE_EQ(*figure(Figure::kErrorRatio), 10.0 / 60.0);
}

TEST_F(FiguresTest, LatencyQuantilesComeFromTheBucketsIncrease) {
    // Increase over the window: 10 at or below 0.1 s, 20 at or below 1 s (the /metrics route left out).
    EXPECT_DOUBLE_EQ(*figure(Figure::kP50Ms), 100);
    EXPECT_DOUBLE_EQ(*figure(Figure::kP95Ms), 1000 * (0.1 + 0.9 * 9 / 10));
    EXPECT_DOUBLE_EQ(*figure(Figure::kP99Ms), 1000 * (0.1 + 0.9 * 9.8 / 10));
}

TEST_F(FiguresTest, GaugesGiveTheirNewestValue) {
    EXPECT_EQ(*figure(Figure::kQueueDepth), 4);
    EXPECT_EQ(*figure(Figure::kActiveSlots), 2);
}

TEST_F(FiguresTest, CacheHitRatio) {
    EXPECT_DOUBLE_EQ(*figure(Figure::kImageCacheHitRatio), 30.0 / 40.0);
}

TEST_F(FiguresTest, NothingToSayWithOneScrapeInTheWindowOrNoData) {
    EXPECT_FALSE(figures_.figure(Figure::kRequestsPerSecond, "m:1", kT0 + 10'000, 5s));
    EXPECT_FALSE(figures_.figure(Figure::kErrorRatio, "m:1", kT0 + 10'000, 5s));
    EXPECT_FALSE(figures_.figure(Figure::kRequestsPerSecond, "other:1", kT0 + 10'000, 60s));
    EXPECT_FALSE(figures_.figure(Figure::kQueueDepth, "other:1", kT0 + 10'000, 60s));
}

TEST_F(FiguresTest, NoTrafficMeansNoRatioButAZeroRate) {
    const std::int64_t later = kT0 + 20'000;
    store_.append_scrape("m:1", scrape(1), later);  // nothing changed in ten seconds
    EXPECT_EQ(*figures_.figure(Figure::kRequestsPerSecond, "m:1", later, 10s), 0);
    EXPECT_FALSE(figures_.figure(Figure::kErrorRatio, "m:1", later, 10s));
    EXPECT_FALSE(figures_.figure(Figure::kP99Ms, "m:1", later, 10s));
    EXPECT_FALSE(figures_.figure(Figure::kImageCacheHitRatio, "m:1", later, 10s));
}

TEST_F(FiguresTest, AnErrorSeriesBornInTheWindowCountsFully) {
    const std::int64_t later = kT0 + 20'000;
    auto samples = scrape(1);
    samples.push_back(sample("visiongrid_http_requests_total", requests("/api/model/infer", "503"), 4));
    store_.append_scrape("m:1", samples, later);
    EXPECT_DOUBLE_EQ(*figures_.figure(Figure::kErrorRatio, "m:1", later, 10s), 1.0) << "4 errors, nothing else served";
}

TEST(BreakerStateTest, TheWorstStateAnyCallerHolds) {
    SeriesStore store(StoreLimits{10, 100});
    FigureCalculator figures(store);
    const auto breaker = [](const std::string& instance, double value) {
        return sample("visiongrid_upstream_breaker_state", {{"instance", instance}, {"upstream", "model"}}, value);
    };
    store.append_scrape("gateway:1", {breaker("m:1", 0), breaker("m:2", 2)}, 1000);
    store.append_scrape("business:1", {breaker("m:1", 1), breaker("m:2", 0)}, 1000);
    EXPECT_EQ(figures.breaker_state("m:1", 1000, 10s), "open");
    EXPECT_EQ(figures.breaker_state("m:2", 1000, 10s), "half_open");
    EXPECT_FALSE(figures.breaker_state("m:3", 1000, 10s));
    EXPECT_FALSE(figures.breaker_state("m:1", 20'000, 10s)) << "reports older than the window do not count";
}

TEST(FigureNamesTest, RoundTrip) {
    for (Figure f : kAllFigures) EXPECT_EQ(figure_from_name(figure_name(f)), f);
    EXPECT_FALSE(figure_from_name("visiongrid_http_requests_total"));
}

}  // namespace
}  // namespace vg::services::monitor
