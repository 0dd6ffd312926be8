#include "net/observability_routes.hpp"

#include <nlohmann/json.hpp>

#include "net/router.hpp"
#include "obs/health.hpp"
#include "obs/metrics.hpp"

namespace vg::net {

void add_observability_routes(Router& router, const prometheus::Registry& registry, const obs::Readiness& readiness,
                              const char* service) {
    auto started = std::chrono::steady_clock::now();
    router.get("/health", [started, service](Request&) {
        double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return Response::json(200, {{"status", "ok"}, {"service", service}, {"uptime_seconds", uptime}});
    });
    router.get("/ready", [&readiness, service](Request&) {
        auto blockers = readiness.blockers();
        if (blockers.empty()) return Response::json(200, {{"ready", true}, {"service", service}});
        Response response = Response::json(503, {{"ready", false}, {"service", service}, {"waiting_for", blockers}});
        response.headers.set("Retry-After", "1");
        return response;
    });
    router.get("/metrics", [&registry](Request&) {
        return Response::text(200, obs::expose_metrics(registry), "text/plain; version=0.0.4; charset=utf-8");
    });
}

}  // namespace vg::net
