#include "services/monitor/cluster_state.hpp"

#include "services/monitor/instance_registry.hpp"
#include "services/monitor/monitor_clock.hpp"
#include "services/monitor/series_store.hpp"

namespace vg::services::monitor {

std::string figure_series_name(Figure figure) {
    return "figure." + std::string(figure_name(figure));
}

ClusterState::ClusterState(const InstanceRegistry& registry, SeriesStore& store, const MonitorClock& clock,
                           std::chrono::milliseconds rate_window, std::chrono::milliseconds stale_after)
    : registry_(registry),
      store_(store),
      clock_(clock),
      calculator_(store),
      rate_window_(rate_window),
      stale_after_(stale_after) {}

std::vector<InstanceFacts> ClusterState::instances() const {
    const std::int64_t now_ms = clock_.unix_ms();
    std::vector<InstanceFacts> out;
    for (const auto& status : registry_.snapshot()) {
        out.push_back({status.instance, status.role, status.scraped, status.up, status.ready,
                       calculator_.breaker_state(status.instance, now_ms, stale_after_)});
    }
    return out;
}

std::optional<double> ClusterState::figure(Figure figure, const std::string& instance,
                                           std::chrono::milliseconds window) const {
    return calculator_.figure(figure, instance, clock_.unix_ms(), window);
}

void ClusterState::record_figures(const std::string& instance, std::int64_t time_ms) {
    for (Figure figure : kAllFigures) {
        if (auto value = calculator_.figure(figure, instance, time_ms, rate_window_)) {
            store_.append(instance, figure_series_name(figure), *value, time_ms);
        }
    }
}

std::vector<InstanceView> ClusterState::views() const {
    const std::int64_t now_ms = clock_.unix_ms();
    std::vector<InstanceView> out;
    for (const auto& status : registry_.snapshot()) {
        InstanceView view{status, calculator_.breaker_state(status.instance, now_ms, stale_after_), {}};
        if (status.last_scrape_ms) {
            for (std::size_t i = 0; i < kAllFigures.size(); ++i) {
                auto series =
                    store_.select(figure_series_name(kAllFigures[i]), status.instance, *status.last_scrape_ms);
                if (!series.empty()) view.figures[i] = series.front().points.back().value;
            }
        }
        out.push_back(std::move(view));
    }
    return out;
}

}  // namespace vg::services::monitor
