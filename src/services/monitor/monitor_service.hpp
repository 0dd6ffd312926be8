#pragma once

#include <memory>

#include "core/logging.hpp"
#include "services/monitor/monitor_config.hpp"

namespace prometheus {
class Registry;
}
namespace vg::obs {
class Readiness;
}

namespace vg::services::monitor {

struct MonitorDeps {
    prometheus::Registry& registry;
    obs::Readiness& readiness;
    const LogSystem& logs;
};

// `visiongrid monitor`: scrapes /health, /ready and /metrics of every target instance (static lists
// or DNS), keeps an hour of history in memory, evaluates alert rules and notifies webhooks (and
// optionally Alertmanager); serves /api/cluster, /api/series, /api/alerts and the web console under
// /console/ (/ redirects there; /console/config.json tells the try-it page where the API is).
class MonitorService {
public:
    MonitorService(const MonitorConfig& config, MonitorDeps deps);
    ~MonitorService();
    void start();
    void stop();
    unsigned short port() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vg::services::monitor
