#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/monitor/alert_evaluator.hpp"
#include "services/monitor/api_views.hpp"
#include "services/monitor/figures.hpp"

namespace vg::services::monitor {

class InstanceRegistry;
class MonitorClock;
class SeriesStore;

// The name under which an instance's figure history is stored: not a valid metric name ('.'), so
// it never meets a scraped series.
std::string figure_series_name(Figure figure);

// The live view over the registry and the store: what the rules evaluate, what /api/cluster shows,
// and the figure history recorded after each scrape. Thread-safe.
class ClusterState final : public AlertFacts {
public:
    // `rate_window`: the window of the figures shown and recorded; `stale_after`: how old a caller's
    // breaker report may be before it no longer counts.
    ClusterState(const InstanceRegistry& registry, SeriesStore& store, const MonitorClock& clock,
                 std::chrono::milliseconds rate_window, std::chrono::milliseconds stale_after);

    std::vector<InstanceFacts> instances() const override;
    std::optional<double> figure(Figure figure, const std::string& instance,
                                 std::chrono::milliseconds window) const override;

    // Computes the instance's figures as of `time_ms` and appends them to their history series.
    void record_figures(const std::string& instance, std::int64_t time_ms);
    // /api/cluster's rows: the figures recorded at the instance's last scrape (none when it failed).
    std::vector<InstanceView> views() const;

private:
    const InstanceRegistry& registry_;
    SeriesStore& store_;
    const MonitorClock& clock_;
    FigureCalculator calculator_;
    const std::chrono::milliseconds rate_window_;
    const std::chrono::milliseconds stale_after_;
};

}  // namespace vg::services::monitor
