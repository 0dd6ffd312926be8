#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/config_node.hpp"
#include "net/server_config.hpp"
#include "services/monitor/alert_rule.hpp"
#include "services/monitor/notifier.hpp"
#include "services/monitor/scraper.hpp"
#include "services/monitor/target_set.hpp"

namespace vg::services::monitor {

// `monitor.alerts`.
struct AlertsConfig {
    std::chrono::milliseconds evaluation_interval{5'000};
    std::vector<AlertRule> rules = default_alert_rules();  // `rules:` omitted: the built-in set; `rules: []`: none
    NotifyConfig notify;
};

// `monitor.console`: the web console's files and what its config.json tells the try-it page.
struct ConsoleConfig {
    // Empty: <executable dir>/../share/visiongrid/console when installed, else the first web/console
    // found walking up from the executable's directory (a build tree inside the repository), else the
    // web/console of the source tree it was built from.
    std::string dir;
    std::string api_base;  // where the try-it page sends requests (the gateway); "" = same origin
};

// The `monitor:` section.
struct MonitorConfig {
    net::ServerConfig server;  // port 8083
    ScrapeConfig scrape;
    // Omitted: the roles' default ports on this machine (gateway 8080, model 8081, business 8082).
    std::vector<TargetConfig> targets;
    AlertsConfig alerts;
    ConsoleConfig console;
};

// Throws ConfigError naming the full path of a bad or unknown key.
MonitorConfig parse_monitor_config(ConfigNode node);

}  // namespace vg::services::monitor
