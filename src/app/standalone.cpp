#include "app/standalone.hpp"

#include <prometheus/registry.h>

#include "obs/health.hpp"
#include "services/business/business_service.hpp"
#include "services/gateway/gateway_service.hpp"
#include "services/model/model_service.hpp"
#include "services/monitor/monitor_service.hpp"

namespace vg::app {

namespace {

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

cluster::Endpoint loopback(unsigned short port) {
    cluster::Endpoint endpoint;
    endpoint.host = "127.0.0.1";
    endpoint.port = port;
    return endpoint;
}

// What one role needs beside its config: its own registry and readiness.
struct RoleDeps {
    prometheus::Registry registry;
    obs::Readiness readiness;
};

}  // namespace

struct Standalone::Roles {
    Roles(const AppConfig& source, StandaloneDeps deps) : config(source), gateway_deps(deps), logs(deps.logs) {}

    AppConfig config;  // rewritten as the roles come up: the later ones point at the earlier ones
    StandaloneDeps gateway_deps;
    const LogSystem& logs;
    RoleDeps model_deps, business_deps, monitor_deps;
    std::unique_ptr<services::ModelService> model;
    std::unique_ptr<services::business::BusinessService> business;
    std::unique_ptr<services::gateway::GatewayService> gateway;
    std::unique_ptr<services::monitor::MonitorService> monitor;
};

Standalone::Standalone(const AppConfig& config, StandaloneDeps deps) : roles_(std::make_unique<Roles>(config, deps)) {
    auto& c = roles_->config;
    // Internal roles: loopback, a port the kernel picks.
    for (auto* server : {&c.model.server, &c.business.server}) {
        server->host = "127.0.0.1";
        server->port = 0;
    }
    c.gateway.server.host = c.standalone.host;
    c.gateway.server.port = c.standalone.port;
    c.monitor.server.host = c.standalone.host;
    c.monitor.server.port = c.standalone.ops_port;

    // A newcomer on their own machine should not need a key; anyone else must set one.
    const bool has_credentials = !c.gateway.auth.api_keys.empty() || c.gateway.auth.jwt.has_value();
    if (!has_credentials) {
        if (!is_loopback(c.standalone.host)) {
            throw ConfigError("standalone.host: listening on " + c.standalone.host +
                              " needs gateway.auth.api_keys or gateway.auth.jwt (`visiongrid gateway hash-key` makes a key)");
        }
        for (auto& route : c.gateway.routes) route.auth_required = false;
    }
    // The console on the ops port sends its try-it requests to the gateway.
    if (c.standalone.port != 0 && c.monitor.console.api_base.empty()) {
        const std::string host = c.standalone.host == "0.0.0.0" ? "127.0.0.1" : c.standalone.host;
        c.monitor.console.api_base = "http://" + host + ":" + std::to_string(c.standalone.port);
        c.gateway.cors.allowed_origins.push_back("http://" + host + ":" + std::to_string(c.standalone.ops_port));
    }
}

Standalone::~Standalone() { stop(); }

void Standalone::start() {
    auto& r = *roles_;
    auto& c = r.config;
    r.model = std::make_unique<services::ModelService>(c.model, services::ModelDeps{r.model_deps.registry, r.model_deps.readiness, r.logs});
    r.model->start();
    c.business.model.upstream.instances = {loopback(r.model->port())};
    c.business.model.upstream.dns.reset();
    r.business = std::make_unique<services::business::BusinessService>(
        c.business, services::business::BusinessDeps{r.business_deps.registry, r.business_deps.readiness, r.logs});
    r.business->start();

    // The monitor's port is known only once it listens; the gateway's upstream for it is filled after.
    services::monitor::MonitorConfig& monitor = c.monitor;
    monitor.targets = {{"model", {loopback(r.model->port())}, std::nullopt},
                       {"business", {loopback(r.business->port())}, std::nullopt}};
    // Fixed ports are known before those roles listen (with port 0, as in tests, they go unwatched).
    if (c.standalone.port != 0) monitor.targets.push_back({"gateway", {loopback(c.standalone.port)}, std::nullopt});
    if (c.standalone.ops_port != 0) monitor.targets.push_back({"monitor", {loopback(c.standalone.ops_port)}, std::nullopt});
    r.monitor = std::make_unique<services::monitor::MonitorService>(
        monitor, services::monitor::MonitorDeps{r.monitor_deps.registry, r.monitor_deps.readiness, r.logs});
    r.monitor->start();

    auto point = [&](const std::string& upstream, unsigned short port) {
        auto& pool = c.gateway.upstreams[upstream];
        pool.instances = {loopback(port)};
        pool.dns.reset();
    };
    point("model", r.model->port());
    point("business", r.business->port());
    point("monitor", r.monitor->port());
    r.gateway = std::make_unique<services::gateway::GatewayService>(
        c.gateway, services::gateway::GatewayDeps{r.gateway_deps.registry, r.gateway_deps.readiness, r.logs});
    r.gateway->start();
}

void Standalone::stop() {
    if (!roles_) return;
    auto& r = *roles_;
    // Front to back: no new requests reach a role that is already gone.
    if (r.gateway) r.gateway->stop();
    if (r.monitor) r.monitor->stop();
    if (r.business) r.business->stop();
    if (r.model) r.model->stop();
}

bool Standalone::wait_until_loaded() { return roles_->model ? roles_->model->wait_until_loaded() : false; }
unsigned short Standalone::port() const { return roles_->gateway ? roles_->gateway->port() : 0; }
unsigned short Standalone::ops_port() const { return roles_->monitor ? roles_->monitor->port() : 0; }

std::string Standalone::ready_message() const {
    const std::string& host = roles_->config.standalone.host;
    const std::string shown = host == "0.0.0.0" ? "127.0.0.1" : host;
    return "console http://" + shown + ":" + std::to_string(port()) + "/console/  (API on the same port; dashboard http://" +
           shown + ":" + std::to_string(ops_port()) + "/)";
}

}  // namespace vg::app
