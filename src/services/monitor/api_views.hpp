#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "services/monitor/alert.hpp"
#include "services/monitor/figures.hpp"
#include "services/monitor/instance_registry.hpp"
#include "services/monitor/series_store.hpp"

namespace vg::net {
struct Request;
}

namespace vg::services::monitor {

// One row of /api/cluster.
struct InstanceView {
    InstanceStatus status;
    std::optional<std::string> breaker;
    std::array<std::optional<double>, kAllFigures.size()> figures;  // in kAllFigures order
};

// GET /api/cluster: {"generated_at", "instances": [{"instance", "role", "up", "ready", "last_scrape",
// "error", "breaker", "figures": {requests_per_second, …}}], "alerts_firing"}; unknowns are null.
nlohmann::json cluster_json(const std::vector<InstanceView>& instances, std::size_t alerts_firing, std::int64_t now_ms);

// The parameters of GET /api/series, checked.
struct SeriesQuery {
    std::string name;      // a figure name or a raw metric name
    std::string instance;  // empty: every instance
    std::chrono::milliseconds range{3'600'000};
    bool is_figure = false;
};

// Throws ClientError (400 invalid_parameter) for a missing or malformed name, or a range that is not
// a positive duration with a unit (30s, 5m, 1h). The range is capped at `retention`.
SeriesQuery parse_series_query(const net::Request& request, std::chrono::milliseconds retention);

// {"name", "range_seconds", "series": [{"instance", "labels" (raw metrics only), "points": [[unix_ms, value]]}]}
nlohmann::json series_json(const SeriesQuery& query, const std::vector<SeriesData>& series);

// {"alerts": [{"name", "state", "severity", "labels", "annotations", "active_since", "fired_at",
// "resolved_at", "value"}]}
nlohmann::json alerts_json(const std::vector<Alert>& alerts);

}  // namespace vg::services::monitor
