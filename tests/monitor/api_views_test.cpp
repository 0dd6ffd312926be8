#include "services/monitor/api_views.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "net/request.hpp"

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

net::Request with_query(const std::string& query) {
    net::Request request;
    request.method = "GET";
    request.path = "/api/series";
    request.query = query;
    return request;
}

std::string error_code_of(const std::string& query) {
    try {
        parse_series_query(with_query(query), 1h);
    } catch (const ClientError& e) {
        return e.code() + " " + std::to_string(e.http_status());
    }
    return "";
}

TEST(SeriesQueryTest, ReadsNameInstanceAndRange) {
    auto query = parse_series_query(with_query("name=p99_ms&instance=127.0.0.1%3A8081&range=5m"), 1h);
    EXPECT_EQ(query.name, "p99_ms");
    EXPECT_TRUE(query.is_figure);
    EXPECT_EQ(query.instance, "127.0.0.1:8081");
    EXPECT_EQ(query.range, 5min);
    query = parse_series_query(with_query("name=visiongrid_http_requests_total"), 1h);
    EXPECT_FALSE(query.is_figure);
    EXPECT_EQ(query.instance, "");
    EXPECT_EQ(query.range, 1h) << "the whole retention by default";
    EXPECT_EQ(parse_series_query(with_query("name=x&range=6h"), 1h).range, 1h) << "capped at the retention";
}

TEST(SeriesQueryTest, RefusesBadParameters) {
    EXPECT_EQ(error_code_of(""), "invalid_parameter 400");
    EXPECT_EQ(error_code_of("name=bad-name"), "invalid_parameter 400");
    EXPECT_EQ(error_code_of("name=1x"), "invalid_parameter 400");
    EXPECT_EQ(error_code_of("name=x&range=5"), "invalid_parameter 400") << "a unit is required";
    EXPECT_EQ(error_code_of("name=x&range=5y"), "invalid_parameter 400");
    EXPECT_EQ(error_code_of("name=x&range=0s"), "invalid_parameter 400");
    EXPECT_EQ(error_code_of("name=x&range=-5m"), "invalid_parameter 400");
    EXPECT_EQ(error_code_of("name=x&instance=" + std::string(400, 'a')), "invalid_parameter 400");
}

TEST(SeriesJsonTest, PointsAsPairsLabelsForRawMetricsOnly) {
    SeriesQuery raw{"visiongrid_model_queue_depth", "", 5min, false};
    std::vector<SeriesData> series{{{"visiongrid_model_queue_depth", "m:1", {{"model", "qwen"}}},
                                    {{1000, 2}, {2000, std::numeric_limits<double>::quiet_NaN()}},
                                    false,
                                    0}};
    const json body = series_json(raw, series);
    EXPECT_EQ(body["name"], "visiongrid_model_queue_depth");
    EXPECT_EQ(body["range_seconds"], 300);
    EXPECT_EQ(body["series"][0]["instance"], "m:1");
    EXPECT_EQ(body["series"][0]["labels"], (json{{"model", "qwen"}}));
    EXPECT_EQ(body["series"][0]["points"], json::parse("[[1000, 2.0], [2000, null]]"));
    SeriesQuery figure{"p99_ms", "", 5min, true};
    EXPECT_FALSE(series_json(figure, series)["series"][0].contains("labels"));
}

TEST(ClusterJsonTest, NullsForWhatIsNotKnown) {
    InstanceView up{{"m:1", "model", true, true, false, 1'709'251'200'000, std::nullopt}, "open", {}};
    up.figures[0] = 2.5;  // requests_per_second
    InstanceView fresh{{"m:2", "model", false, false, false, std::nullopt, "health: connect_failed"}, std::nullopt, {}};
    const json body = cluster_json({up, fresh}, 3, 1'709'251'260'000);
    EXPECT_EQ(body["generated_at"], "2024-03-01T00:01:00.000Z");
    EXPECT_EQ(body["alerts_firing"], 3);
    const auto& a = body["instances"][0];
    EXPECT_EQ(a["instance"], "m:1");
    EXPECT_EQ(a["role"], "model");
    EXPECT_EQ(a["up"], true);
    EXPECT_EQ(a["ready"], false);
    EXPECT_EQ(a["last_scrape"], "2024-03-01T00:00:00.000Z");
    EXPECT_TRUE(a["error"].is_null());
    EXPECT_EQ(a["breaker"], "open");
    EXPECT_EQ(a["figures"]["requests_per_second"], 2.5);
    for (const char* name : {"error_ratio", "p50_ms", "p95_ms", "p99_ms", "queue_depth", "active_slots",
                             "tokens_per_second", "image_cache_hit_ratio"}) {
        EXPECT_TRUE(a["figures"].contains(name) && a["figures"][name].is_null()) << name;
    }
    const auto& b = body["instances"][1];
    EXPECT_TRUE(b["last_scrape"].is_null());
    EXPECT_TRUE(b["breaker"].is_null());
    EXPECT_EQ(b["error"], "health: connect_failed");
}

TEST(AlertsJsonTest, Shape) {
    Alert alert;
    alert.name = "InstanceDown";
    alert.state = AlertState::kResolved;
    alert.severity = "critical";
    alert.labels = {{"alertname", "InstanceDown"}, {"instance", "m:1"}};
    alert.annotations = {{"summary", "down"}};
    alert.active_since_ms = 0;
    alert.fired_at_ms = 1000;
    alert.resolved_at_ms = 2000;
    alert.value = 0;
    const json body = alerts_json({alert});
    const auto& a = body["alerts"][0];
    EXPECT_EQ(a["name"], "InstanceDown");
    EXPECT_EQ(a["state"], "resolved");
    EXPECT_EQ(a["severity"], "critical");
    EXPECT_EQ(a["labels"]["instance"], "m:1");
    EXPECT_EQ(a["annotations"]["summary"], "down");
    EXPECT_EQ(a["active_since"], "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(a["fired_at"], "1970-01-01T00:00:01.000Z");
    EXPECT_EQ(a["resolved_at"], "1970-01-01T00:00:02.000Z");
    EXPECT_EQ(a["value"], 0);
}

}  // namespace
}  // namespace vg::services::monitor
