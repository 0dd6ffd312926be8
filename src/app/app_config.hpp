#pragma once

#include <yaml-cpp/yaml.h>

#include "app/standalone_config.hpp"
#include "core/config.hpp"
#include "core/logging.hpp"
#include "services/diag/diag_service.hpp"
#include "services/business/business_service_config.hpp"
#include "services/gateway/gateway_config.hpp"
#include "services/model/model_config.hpp"
#include "services/monitor/monitor_config.hpp"

namespace vg::app {

// The whole process's configuration: every component's section, parsed and validated at start-up
// (whichever role runs), so one file can serve every role and a typo anywhere fails fast.
struct AppConfig {
    LogConfig log;
    services::DiagConfig diag;
    services::ModelServiceConfig model;
    services::gateway::GatewayConfig gateway;
    services::business::BusinessServiceConfig business;
    services::monitor::MonitorConfig monitor;
    StandaloneConfig standalone;
    YAML::Node effective;  // every value in force, defaults included (for `config print`)
};

AppConfig parse_app_config(const YAML::Node& source);
AppConfig load_app_config(const ConfigSources& sources);

}  // namespace vg::app
