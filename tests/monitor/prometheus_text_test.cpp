// The Prometheus text parser: the format's corners, our own exposition (prometheus-cpp) and the one
// a real Prometheus server serves on its /metrics.
#include "services/monitor/prometheus_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "monitor/prometheus_process.hpp"
#include "obs/metrics.hpp"
#include "support/child_process.hpp"
#include "support/raw_http.hpp"

namespace vg::services::monitor {
namespace {

using ::testing::HasSubstr;

const Sample* find(const Exposition& e, const std::string& name, const Labels& labels = {}) {
    for (const auto& s : e.samples) {
        if (s.name == name && s.labels == labels) return &s;
    }
    return nullptr;
}

std::string error_of(const std::string& text) {
    try {
        parse_prometheus_text(text);
    } catch (const ExpositionError& e) {
        return e.what();
    }
    return "";
}

TEST(PrometheusTextTest, ReadsHelpTypeLabelsValuesAndTimestamps) {
    const auto e = parse_prometheus_text(
        "# HELP http_requests_total The total.\\nSecond line with a \\\\ backslash\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
        "http_requests_total{ method = \"get\" , code=\"400\", } 3\n"
        "# a plain comment\n"
        "\n"
        "metric_without_labels 12.47\n"
        "job:rate5m{} -4.5e-3\n");
    ASSERT_EQ(e.samples.size(), 4u);
    EXPECT_EQ(e.types.at("http_requests_total"), "counter");
    EXPECT_EQ(e.help.at("http_requests_total"), "The total.\nSecond line with a \\ backslash");
    const Sample* post = find(e, "http_requests_total", {{"code", "200"}, {"method", "post"}});
    ASSERT_NE(post, nullptr) << "labels come back sorted by name";
    EXPECT_EQ(post->value, 1027);
    EXPECT_EQ(post->timestamp_ms, 1395066363000);
    const Sample* get = find(e, "http_requests_total", {{"code", "400"}, {"method", "get"}});
    ASSERT_NE(get, nullptr) << "blanks inside the braces and a trailing comma are allowed";
    EXPECT_FALSE(get->timestamp_ms);
    EXPECT_EQ(find(e, "metric_without_labels")->value, 12.47);
    EXPECT_DOUBLE_EQ(find(e, "job:rate5m")->value, -4.5e-3) << "':' belongs to metric names";
}

TEST(PrometheusTextTest, UnescapesLabelValues) {
    const auto e = parse_prometheus_text(
        R"(msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9)");
    ASSERT_EQ(e.samples.size(), 1u);
    EXPECT_EQ(*find_label(e.samples[0].labels, "path"), "C:\\DIR\\FILE.TXT");
    EXPECT_EQ(*find_label(e.samples[0].labels, "error"), "Cannot find file:\n\"FILE.TXT\"");
    EXPECT_EQ(e.samples[0].value, 1.458255915e9);
}

TEST(PrometheusTextTest, ReadsSpecialValues) {
    const auto e = parse_prometheus_text("a +Inf\nb -Inf\nc NaN\nd Inf\ne +3\nf -0 -1000\n");
    EXPECT_EQ(find(e, "a")->value, std::numeric_limits<double>::infinity());
    EXPECT_EQ(find(e, "b")->value, -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(find(e, "c")->value));
    EXPECT_EQ(find(e, "d")->value, std::numeric_limits<double>::infinity());
    EXPECT_EQ(find(e, "e")->value, 3);
    EXPECT_EQ(find(e, "f")->timestamp_ms, -1000) << "timestamps before 1970 are allowed";
}

TEST(PrometheusTextTest, KeepsHistogramAndSummarySamplesAsWritten) {
    const auto e = parse_prometheus_text(
        "# TYPE rpc_duration_seconds summary\n"
        "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
        "rpc_duration_seconds_sum 1.7560473e+07\n"
        "rpc_duration_seconds_count 2693\n"
        "# TYPE http_request_duration_seconds histogram\n"
        "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
        "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
        "http_request_duration_seconds_sum 53423\n"
        "http_request_duration_seconds_count 144320\n");
    EXPECT_EQ(e.types.at("rpc_duration_seconds"), "summary");
    EXPECT_EQ(e.types.at("http_request_duration_seconds"), "histogram");
    EXPECT_EQ(find(e, "rpc_duration_seconds", {{"quantile", "0.5"}})->value, 4773);
    EXPECT_EQ(find(e, "http_request_duration_seconds_bucket", {{"le", "+Inf"}})->value, 144320);
    EXPECT_EQ(find(e, "http_request_duration_seconds_count")->value, 144320);
}

TEST(PrometheusTextTest, RefusesMalformedLinesNamingTheLine) {
    EXPECT_THAT(error_of("ok 1\nbad{a=\"x\" 1\n"), HasSubstr("line 2"));
    EXPECT_THAT(error_of("x{a=\"unterminated} 1"), HasSubstr("unterminated"));
    EXPECT_THAT(error_of("x{a=\"\\t\"} 1"), HasSubstr("invalid escape"));
    EXPECT_THAT(error_of("x{a=\"1\",a=\"2\"} 1"), HasSubstr("twice"));
    EXPECT_THAT(error_of("x one"), HasSubstr("invalid value"));
    EXPECT_THAT(error_of("x"), HasSubstr("missing value"));
    EXPECT_THAT(error_of("x 1 2 3"), HasSubstr("after the timestamp"));
    EXPECT_THAT(error_of("x 1 1.5"), HasSubstr("invalid timestamp"));
    EXPECT_THAT(error_of("1x 1"), HasSubstr("metric name"));
    EXPECT_THAT(error_of("x{1a=\"b\"} 1"), HasSubstr("label name"));
    EXPECT_THAT(error_of("# TYPE x countr"), HasSubstr("unknown metric type"));
    EXPECT_THAT(error_of("# TYPE x counter\n# TYPE x gauge"), HasSubstr("second TYPE"));
    EXPECT_THAT(error_of("# TYPE h histogram\nh_bucket{x=\"1\"} 1"), HasSubstr("no 'le' label"));
    EXPECT_EQ(error_of("x{a=\"1\"}1"), "line 1: expected a blank before the value");
}

TEST(PrometheusTextTest, ReadsOurOwnExposition) {
    prometheus::Registry registry;
    const std::string tricky = "a \"quoted\" \\ back\nslash";
    prometheus::BuildCounter()
        .Name("vg_test_requests_total")
        // prometheus-cpp 1.0.1 writes HELP text unescaped (a newline there would break the exposition),
        // so ours must not contain one; label values it does escape.
        .Help("Requests, \"quoted\" in the help")
        .Register(registry)
        .Add({{"route", tricky}, {"status", "503"}})
        .Increment(3);
    auto& gauges = prometheus::BuildGauge().Name("vg_test_level").Help("g").Register(registry);
    gauges.Add({{"which", "neg_inf"}}).Set(-std::numeric_limits<double>::infinity());
    gauges.Add({{"which", "nan"}}).Set(std::numeric_limits<double>::quiet_NaN());
    gauges.Add({{"which", "small"}}).Set(1.25e-7);
    auto& histogram = prometheus::BuildHistogram()
                          .Name("vg_test_seconds")
                          .Help("h")
                          .Register(registry)
                          .Add({{"route", "/x"}}, prometheus::Histogram::BucketBoundaries{0.1, 1});
    for (double v : {0.05, 0.5, 5.0}) histogram.Observe(v);
    prometheus::BuildSummary()
        .Name("vg_test_summary")
        .Help("s")
        .Register(registry)
        .Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}})
        .Observe(2);

    const std::string text = obs::expose_metrics(registry);
    const auto e = parse_prometheus_text(text);
    EXPECT_EQ(e.types.at("vg_test_requests_total"), "counter");
    EXPECT_EQ(e.help.at("vg_test_requests_total"), "Requests, \"quoted\" in the help");
    const Sample* counter = find(e, "vg_test_requests_total", {{"route", tricky}, {"status", "503"}});
    ASSERT_NE(counter, nullptr) << text;
    EXPECT_EQ(counter->value, 3);
    EXPECT_EQ(find(e, "vg_test_level", {{"which", "neg_inf"}})->value, -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(find(e, "vg_test_level", {{"which", "nan"}})->value));
    EXPECT_DOUBLE_EQ(find(e, "vg_test_level", {{"which", "small"}})->value, 1.25e-7);
    EXPECT_EQ(e.types.at("vg_test_seconds"), "histogram");
    EXPECT_EQ(find(e, "vg_test_seconds_bucket", {{"le", "0.1"}, {"route", "/x"}})->value, 1);
    EXPECT_EQ(find(e, "vg_test_seconds_bucket", {{"le", "1"}, {"route", "/x"}})->value, 2);
    EXPECT_EQ(find(e, "vg_test_seconds_bucket", {{"le", "+Inf"}, {"route", "/x"}})->value, 3);
    EXPECT_DOUBLE_EQ(find(e, "vg_test_seconds_sum", {{"route", "/x"}})->value, 5.55);
    EXPECT_EQ(find(e, "vg_test_seconds_count", {{"route", "/x"}})->value, 3);
    EXPECT_EQ(e.types.at("vg_test_summary"), "summary");
    EXPECT_EQ(find(e, "vg_test_summary_count")->value, 1);
}

// Lines that are samples, counted without the parser: neither empty nor comments.
std::size_t sample_lines(const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    std::size_t n = 0;
    while (std::getline(lines, line)) {
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] != '#') ++n;
    }
    return n;
}

TEST(PrometheusTextTest, ReadsWhatARealPrometheusServes) {
    if (!test::on_path(test::kPrometheusBinary)) GTEST_SKIP() << "prometheus is not installed (scripts/install-deps)";
    test::PrometheusProcess prometheus;
    // Twice, so that the first request shows up in the HTTP histograms of the second.
    ASSERT_TRUE(test::http_request(prometheus.port(), "GET", "/metrics"));
    auto response = test::http_request(prometheus.port(), "GET", "/metrics");
    ASSERT_TRUE(response && response->status == 200);
    const auto e = parse_prometheus_text(response->body);

    EXPECT_EQ(e.samples.size(), sample_lines(response->body));
    EXPECT_EQ(e.types.at("go_gc_duration_seconds"), "summary");
    EXPECT_NE(find(e, "go_gc_duration_seconds", {{"quantile", "0.5"}}), nullptr);
    EXPECT_EQ(e.types.at("prometheus_http_request_duration_seconds"), "histogram");
    // Every histogram series: its +Inf bucket equals its _count, and buckets never decrease.
    std::map<Labels, std::vector<std::pair<double, double>>> buckets;
    std::map<Labels, double> counts;
    for (const auto& s : e.samples) {
        if (s.name == "prometheus_http_request_duration_seconds_count") counts[s.labels] = s.value;
        if (s.name != "prometheus_http_request_duration_seconds_bucket") continue;
        Labels without_le;
        double le = 0;
        for (const auto& [name, value] : s.labels) {
            if (name == "le")
                le = value == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(value);
            else
                without_le.emplace_back(name, value);
        }
        buckets[without_le].emplace_back(le, s.value);
    }
    ASSERT_FALSE(buckets.empty());
    for (auto& [labels, list] : buckets) {
        std::sort(list.begin(), list.end());
        ASSERT_TRUE(std::isinf(list.back().first));
        EXPECT_EQ(list.back().second, counts.at(labels));
        for (std::size_t i = 1; i < list.size(); ++i) EXPECT_GE(list[i].second, list[i - 1].second);
    }
    const auto metrics_handler = Labels{{"handler", "/metrics"}};
    ASSERT_TRUE(counts.contains(metrics_handler));
    EXPECT_GE(counts.at(metrics_handler), 1) << "our first request is counted";
    // The version label matches what the binary says of itself.
    const auto version = test::run_command(test::kPrometheusBinary, {"--version"});
    const Sample* build = nullptr;
    for (const auto& s : e.samples) {
        if (s.name == "prometheus_build_info") build = &s;
    }
    ASSERT_NE(build, nullptr);
    EXPECT_THAT(version.output, HasSubstr("version " + *find_label(build->labels, "version")));
}

}  // namespace
}  // namespace vg::services::monitor
