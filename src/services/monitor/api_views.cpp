#include "services/monitor/api_views.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/config_node.hpp"
#include "core/error.hpp"
#include "net/request.hpp"
#include "services/monitor/monitor_clock.hpp"

namespace vg::services::monitor {

namespace {

using json = nlohmann::json;

json number(std::optional<double> value) {
    return value && std::isfinite(*value) ? json(*value) : json();
}
json time_or_null(std::optional<std::int64_t> ms) {
    return ms ? json(iso8601(*ms)) : json();
}

bool valid_metric_name(const std::string& name) {
    if (name.empty() || name.size() > 200) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

}  // namespace

json cluster_json(const std::vector<InstanceView>& instances, std::size_t alerts_firing, std::int64_t now_ms) {
    json list = json::array();
    for (const auto& view : instances) {
        json figures = json::object();
        for (std::size_t i = 0; i < kAllFigures.size(); ++i)
            figures[std::string(figure_name(kAllFigures[i]))] = number(view.figures[i]);
        const auto& s = view.status;
        list.push_back({{"instance", s.instance},
                        {"role", s.role},
                        {"up", s.up},
                        {"ready", s.ready},
                        {"last_scrape", time_or_null(s.last_scrape_ms)},
                        {"error", s.error ? json(*s.error) : json()},
                        {"breaker", view.breaker ? json(*view.breaker) : json()},
                        {"figures", figures}});
    }
    return {{"generated_at", iso8601(now_ms)}, {"instances", list}, {"alerts_firing", alerts_firing}};
}

SeriesQuery parse_series_query(const net::Request& request, std::chrono::milliseconds retention) {
    SeriesQuery query;
    query.name = request.query_param("name").value_or("");
    if (!valid_metric_name(query.name)) {
        throw ClientError("invalid_parameter",
                          "name must be a figure (requests_per_second, error_ratio, p50_ms, p95_ms, "
                          "p99_ms, queue_depth, active_slots, tokens_per_second, "
                          "image_cache_hit_ratio) or a metric name");
    }
    query.is_figure = figure_from_name(query.name).has_value();
    query.instance = request.query_param("instance").value_or("");
    if (query.instance.size() > 300) throw ClientError("invalid_parameter", "instance is too long");
    query.range = retention;
    if (auto range = request.query_param("range")) {
        const bool has_unit = !range->empty() && std::isalpha(static_cast<unsigned char>(range->back()));
        try {
            if (!has_unit) throw ConfigError("no unit");
            query.range = parse_duration(*range);
        } catch (const ConfigError&) {
            throw ClientError("invalid_parameter", "range must be a duration such as 30s, 5m or 1h");
        }
        if (query.range.count() <= 0) throw ClientError("invalid_parameter", "range must be positive");
        query.range = std::min(query.range, retention);
    }
    return query;
}

json series_json(const SeriesQuery& query, const std::vector<SeriesData>& series) {
    json list = json::array();
    for (const auto& s : series) {
        json points = json::array();
        for (const auto& p : s.points) points.push_back({p.time_ms, number(p.value)});
        json entry = {{"instance", s.key.instance}};
        if (!query.is_figure) {
            json labels = json::object();
            for (const auto& [name, value] : s.key.labels) labels[name] = value;
            entry["labels"] = labels;
        }
        entry["points"] = points;
        list.push_back(entry);
    }
    return {{"name", query.name}, {"range_seconds", query.range.count() / 1000}, {"series", list}};
}

json alerts_json(const std::vector<Alert>& alerts) {
    json list = json::array();
    for (const auto& alert : alerts) {
        list.push_back({{"name", alert.name},
                        {"state", state_name(alert.state)},
                        {"severity", alert.severity},
                        {"labels", alert.labels},
                        {"annotations", alert.annotations},
                        {"active_since", iso8601(alert.active_since_ms)},
                        {"fired_at", time_or_null(alert.fired_at_ms)},
                        {"resolved_at", time_or_null(alert.resolved_at_ms)},
                        {"value", number(alert.value)}});
    }
    return {{"alerts", list}};
}

}  // namespace vg::services::monitor
