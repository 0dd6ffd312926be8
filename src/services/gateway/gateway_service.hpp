#pragma once

#include <memory>

#include "core/logging.hpp"
#include "services/gateway/gateway_config.hpp"

namespace prometheus {
class Registry;
}
namespace vg::obs {
class Readiness;
}

namespace vg::services::gateway {

struct GatewayDeps {
    prometheus::Registry& registry;
    obs::Readiness& readiness;
    const LogSystem& logs;
};

// The single entry point: routes by path prefix to upstream pools (load balancing, health checks,
// outlier ejection, circuit breakers, retries with a budget, deadlines), after authentication
// (API keys, JWT), rate limits (per client IP and per key; local or shared through Redis) and CORS.
// /health, /ready and /metrics are its own and public.
class GatewayService {
public:
    GatewayService(const GatewayConfig& config, GatewayDeps deps);
    ~GatewayService();
    void start();
    void stop();
    unsigned short port() const;
    // Swaps routes, keys, limits and upstreams (pools whose settings did not change keep their
    // state); requests in flight finish on the configuration they started with. The listening
    // socket and server settings stay as they were. Throws (and keeps the old configuration) when
    // the new one cannot be built.
    void reload(const GatewayConfig& config);

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vg::services::gateway
