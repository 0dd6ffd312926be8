#pragma once

#include <string>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace vg::services::monitor {

// The monitor's own figures, on its /metrics.
struct MonitorMetrics {
    explicit MonitorMetrics(prometheus::Registry& registry);

    prometheus::Family<prometheus::Counter>& scrapes;  // visiongrid_monitor_scrapes_total{role, outcome: up|down}
    prometheus::Gauge& series;                         // visiongrid_monitor_series
    prometheus::Family<prometheus::Gauge>& alerts;     // visiongrid_monitor_alerts{state}
    prometheus::Family<prometheus::Counter>&
        notifications;  // visiongrid_monitor_notifications_total{receiver, outcome}
};

}  // namespace vg::services::monitor
