#pragma once

#include <chrono>

namespace prometheus {
class Registry;
}
namespace vg::obs {
class Readiness;
}

namespace vg::net {

class Router;

// GET /health (the process is alive), GET /ready (200 when every component is ready, else 503
// naming the blockers) and GET /metrics (Prometheus text format) — the same on every service.
void add_observability_routes(Router& router, const prometheus::Registry& registry, const obs::Readiness& readiness,
                              const char* service);

}  // namespace vg::net
