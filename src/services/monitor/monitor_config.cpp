#include "services/monitor/monitor_config.hpp"

#include <set>

#include "core/error.hpp"
#include "net/url.hpp"

namespace vg::services::monitor {

namespace {

std::vector<TargetConfig> default_targets() {
    return {{"gateway", {cluster::Endpoint{"127.0.0.1", 8080}}, std::nullopt},
            {"model", {cluster::Endpoint{"127.0.0.1", 8081}}, std::nullopt},
            {"business", {cluster::Endpoint{"127.0.0.1", 8082}}, std::nullopt}};
}

void check_url(ConfigNode& node, const std::string& key, const std::string& url) {
    try {
        net::parse_url(url);
    } catch (const Error& e) {
        node.fail(key, e.what());
    }
}

TargetConfig parse_target(ConfigNode node) {
    TargetConfig target;
    node.read("role", target.role);
    if (target.role.empty()) node.fail("role", "is required (model, gateway, business, …)");
    std::vector<std::string> instances;
    node.read("instances", instances);
    for (const auto& text : instances) {
        try {
            target.instances.push_back(cluster::parse_endpoint(text));
        } catch (const std::invalid_argument& e) {
            node.fail("instances", e.what());
        }
    }
    if (node.raw("dns")) {
        ConfigNode dns = node.child("dns");
        cluster::DnsDiscoveryConfig config;
        dns.read("name", config.name);
        int port = 0;
        dns.read("port", port);
        dns.read("refresh_interval", config.refresh_interval);
        dns.finish();
        if (config.name.empty()) dns.fail("name", "is required");
        if (port < 1 || port > 65535) dns.fail("port", "must be 1-65535");
        if (config.refresh_interval.count() <= 0) dns.fail("refresh_interval", "must be positive");
        config.port = static_cast<unsigned short>(port);
        target.dns = config;
    }
    if (target.instances.empty() && !target.dns) node.fail("instances", "give at least one instance, or `dns`");
    if (!target.instances.empty() && target.dns) node.fail("dns", "use either `instances` or `dns`, not both");
    node.finish();
    return target;
}

ScrapeConfig parse_scrape(ConfigNode node) {
    ScrapeConfig config;
    node.read("interval", config.interval);
    node.read("timeout", config.timeout);
    node.read("retention", config.retention);
    node.read("max_series", config.max_series);
    node.read("rate_window", config.rate_window);
    node.finish();
    if (config.interval.count() <= 0) node.fail("interval", "must be positive");
    if (config.timeout.count() <= 0 || config.timeout > config.interval)
        node.fail("timeout", "must be positive and at most the interval");
    if (config.retention < config.interval) node.fail("retention", "must be at least one interval");
    if (config.retention / config.interval > 100'000)
        node.fail("retention", "keeps more than 100000 points per series; raise the interval");
    if (config.max_series == 0) node.fail("max_series", "must be at least 1");
    if (config.rate_window < 2 * config.interval || config.rate_window > config.retention) {
        node.fail("rate_window", "must span at least two intervals and at most the retention");
    }
    return config;
}

NotifyConfig parse_notify(ConfigNode node) {
    NotifyConfig config;
    node.read("webhooks", config.webhooks);
    for (const auto& url : config.webhooks) check_url(node, "webhooks", url);
    node.read("alertmanager_url", config.alertmanager_url);
    if (!config.alertmanager_url.empty()) check_url(node, "alertmanager_url", config.alertmanager_url);
    node.read("group_by", config.group_by);
    for (const auto& label : config.group_by) {
        if (label.empty()) node.fail("group_by", "label names must not be empty");
    }
    node.read("group_wait", config.group_wait);
    node.read("group_interval", config.group_interval);
    node.read("repeat_interval", config.repeat_interval);
    node.read("timeout", config.timeout);
    node.read("external_url", config.external_url);
    if (!config.external_url.empty()) check_url(node, "external_url", config.external_url);
    while (config.external_url.ends_with('/')) config.external_url.pop_back();
    node.finish();
    if (config.group_interval.count() <= 0) node.fail("group_interval", "must be positive");
    if (config.repeat_interval < config.group_interval) node.fail("repeat_interval", "must be at least group_interval");
    if (config.timeout.count() <= 0) node.fail("timeout", "must be positive");
    return config;
}

AlertsConfig parse_alerts(ConfigNode node) {
    AlertsConfig config;
    node.read("evaluation_interval", config.evaluation_interval);
    if (config.evaluation_interval.count() <= 0) node.fail("evaluation_interval", "must be positive");
    if (node.has("rules")) {
        config.rules.clear();
        std::set<std::string> names;
        for (auto& item : node.items("rules")) {
            AlertRule rule = parse_alert_rule(item);
            if (!names.insert(rule.name).second) item.fail("name", "'" + rule.name + "' is used by another rule");
            config.rules.push_back(std::move(rule));
        }
    } else {
        node.items("rules");  // known, so an unknown key's message lists it
    }
    config.notify = parse_notify(node.child("notify"));
    node.finish();
    return config;
}

}  // namespace

MonitorConfig parse_monitor_config(ConfigNode node) {
    MonitorConfig config;
    net::ServerConfig defaults;
    defaults.port = 8083;
    config.server = net::parse_server_config(node.child("server"), defaults);
    config.scrape = parse_scrape(node.child("scrape"));
    if (node.has("targets")) {
        for (auto& item : node.items("targets")) config.targets.push_back(parse_target(item));
    } else {
        node.items("targets");
        config.targets = default_targets();
    }
    config.alerts = parse_alerts(node.child("alerts"));
    ConfigNode console = node.child("console");
    console.read("dir", config.console.dir);
    console.read("api_base", config.console.api_base);
    console.finish();
    node.finish();
    return config;
}

}  // namespace vg::services::monitor
