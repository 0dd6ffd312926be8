#pragma once

#include <string>

#include "core/config_node.hpp"

namespace vg::app {

// `standalone:` — where `visiongrid standalone` listens. Everything else comes from the roles' own
// sections (model.llama, business.store, gateway.auth, monitor.alerts, …).
struct StandaloneConfig {
    std::string host = "127.0.0.1";  // loopback unless you mean to share it (then set gateway.auth keys)
    unsigned short port = 8080;      // the gateway: API and web console
    unsigned short ops_port = 8083;  // the monitor: dashboard, alerts, metrics history
};

StandaloneConfig parse_standalone_config(ConfigNode node);

}  // namespace vg::app
