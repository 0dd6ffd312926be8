#pragma once

#include <memory>
#include <string>

#include "app/app_config.hpp"

namespace prometheus {
class Registry;
}
namespace vg::obs {
class Readiness;
}

namespace vg::app {

// `visiongrid standalone`: the four roles in one process, wired to each other on loopback. The model
// and business roles listen on ephemeral 127.0.0.1 ports that only this process knows; the gateway
// listens on `standalone.port` (the one public port: API and web console) with its upstreams pointed
// at them; the monitor listens on `standalone.ops_port` and scrapes all four. Each role keeps its own
// metrics registry and readiness, as it would as a process of its own.
struct StandaloneDeps {
    prometheus::Registry& registry;  // the gateway's (the public port's /metrics)
    obs::Readiness& readiness;       // the gateway's
    const LogSystem& logs;
};

class Standalone {
public:
    Standalone(const AppConfig& config, StandaloneDeps deps);
    ~Standalone();
    Standalone(const Standalone&) = delete;
    Standalone& operator=(const Standalone&) = delete;

    void start();
    void stop();
    bool wait_until_loaded();  // the model
    unsigned short port() const;      // public: gateway (API + console)
    unsigned short ops_port() const;  // monitor
    // Where to go once it is ready: the console and the dashboard.
    std::string ready_message() const;

private:
    struct Roles;
    std::unique_ptr<Roles> roles_;
};

}  // namespace vg::app
