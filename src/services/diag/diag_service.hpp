#pragma once

#include <memory>

#include "core/config_node.hpp"
#include "core/logging.hpp"
#include "net/server_config.hpp"

namespace prometheus {
class Registry;
}
namespace vg::obs {
class Readiness;
}

namespace vg::services {

struct DiagConfig {
    net::ServerConfig server;
    std::chrono::milliseconds max_delay{60'000};  // upper bound for /api/delay
};

DiagConfig parse_diag_config(ConfigNode node);

struct DiagDeps {
    prometheus::Registry& registry;
    obs::Readiness& readiness;
    const LogSystem& logs;
};

// The platform's HTTP plumbing with nothing behind it: /health, /ready, /metrics plus ping, echo,
// delay and an SSE stream. For checking a deployment's network path, and for benchmarks and tests.
class DiagService {
public:
    DiagService(const DiagConfig& config, DiagDeps deps);
    ~DiagService();
    void start();
    void stop();
    unsigned short port() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vg::services
