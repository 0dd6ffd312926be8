#include "services/monitor/monitor_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace vg::services::monitor {

MonitorMetrics::MonitorMetrics(prometheus::Registry& registry)
    : scrapes(prometheus::BuildCounter()
                  .Name("visiongrid_monitor_scrapes_total")
                  .Help("Scrapes of target instances, by role and outcome (up: /health answered 200)")
                  .Register(registry)),
      series(prometheus::BuildGauge()
                 .Name("visiongrid_monitor_series")
                 .Help("Series held in the monitor's in-memory history")
                 .Register(registry)
                 .Add({})),
      alerts(prometheus::BuildGauge()
                 .Name("visiongrid_monitor_alerts")
                 .Help("Alerts by state (pending, firing, resolved)")
                 .Register(registry)),
      notifications(
          prometheus::BuildCounter()
              .Name("visiongrid_monitor_notifications_total")
              .Help("Notifications POSTed, by receiver kind (webhook, alertmanager) and outcome (sent, failed)")
              .Register(registry)) {}

}  // namespace vg::services::monitor
