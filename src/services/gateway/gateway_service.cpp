#include "services/gateway/gateway_service.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/clock.hpp"
#include "cluster/rate_limiter.hpp"
#include "cluster/redis_rate_limiter.hpp"
#include "cluster/upstream_metrics.hpp"
#include "cluster/upstream_pool.hpp"
#include "net/http_server.hpp"
#include "net/observability_routes.hpp"
#include "services/gateway/authenticator.hpp"
#include "services/gateway/client_address.hpp"
#include "services/gateway/cors.hpp"
#include "services/gateway/gateway_metrics.hpp"
#include "services/gateway/proxy.hpp"
#include "services/gateway/route_table.hpp"

namespace vg::services::gateway {

namespace {

using std::chrono::steady_clock;

// Everything one configuration generation decides. Requests hold the generation they started with,
// so a reload never pulls a route or pool from under them.
struct GatewayState {
    GatewayConfig config;
    RouteTable routes;
    Authenticator auth;
    Cors cors;
    std::map<std::string, std::shared_ptr<cluster::UpstreamPool>> pools;
    std::shared_ptr<cluster::RateLimiter> limiter;

    explicit GatewayState(const GatewayConfig& c) : config(c), routes(c.routes), auth(c.auth), cors(c.cors) {}
};

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// X-RateLimit-* as popularised by GitHub: the bucket's size, what is left, seconds until it is full.
void add_rate_headers(net::Headers& headers, const cluster::RateDecision& decision, const cluster::RateLimit& limit) {
    headers.set("X-RateLimit-Limit", std::to_string(static_cast<long long>(decision.limit)));
    headers.set("X-RateLimit-Remaining", std::to_string(static_cast<long long>(std::max(0.0, std::floor(decision.remaining)))));
    const double missing = std::max(0.0, limit.burst - decision.remaining);
    const long long reset = limit.rate_per_second > 0 ? static_cast<long long>(std::ceil(missing / limit.rate_per_second)) : 0;
    headers.set("X-RateLimit-Reset", std::to_string(reset));
}

int retry_after_seconds(const cluster::RateDecision& decision) {
    if (decision.retry_after == std::chrono::milliseconds::max()) return 3600;
    return static_cast<int>(std::max<long long>(1, (decision.retry_after.count() + 999) / 1000));
}

}  // namespace

class GatewayService::Impl {
public:
    Impl(const GatewayConfig& config, GatewayDeps deps)
        : config_(config),
          deps_(deps),
          work_(io_.get_executor()),
          upstream_metrics_(deps.registry),
          metrics_(deps.registry),
          log_(deps.logs.get("gateway")),
          access_(deps.logs.get("proxy")) {}

    ~Impl() { stop(); }

    void start() {
        for (std::size_t i = 0; i < config_.client_threads; ++i) threads_.emplace_back([this] { io_.run(); });
        net::Router router;
        net::add_observability_routes(router, deps_.registry, deps_.readiness, "gateway");
        // A route's body limit is applied to the declared length before the body is read: a client must
        // not make the gateway buffer up to the server-wide limit only to be refused afterwards.
        net::RouteOptions options;
        options.body_limit_for = [this](const net::Request& request) -> std::optional<std::size_t> {
            auto state = current();
            const RouteConfig* route = state ? state->routes.match(path_of(request.target)) : nullptr;
            if (!route || !route->body_limit) return std::nullopt;
            return std::min(route->body_limit->bytes, config_.server.max_body_bytes.bytes);
        };
        for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}) {
            router.add(method, "/{path...}", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
                handle(request, std::move(exchange));
            }, options);
        }
        server_ = std::make_unique<net::HttpServer>(
            "gateway", config_.server, std::move(router),
            net::HttpServerDeps{deps_.registry, deps_.readiness, deps_.logs.get("http"), deps_.logs.get("access")});
        // Pools need the server's I/O threads (calls run on the thread serving their request).
        install(build_state(config_, nullptr));
        server_->start();
    }

    void stop() {
        if (stopped_.exchange(true)) return;
        if (server_) server_->stop();
        std::shared_ptr<const GatewayState> state;
        {
            std::lock_guard lock(mutex_);
            state = std::move(state_);
        }
        if (state) {
            for (auto& [_, pool] : state->pools) pool->stop();
        }
        // The pools' calls complete (as closed) on the server's stopped threads: run those completions
        // here so nothing queued there still holds a pool when the contexts go away.
        if (server_) server_->run_pending();
        state.reset();
        work_.reset();
        io_.stop();
        for (auto& thread : threads_) thread.join();
        threads_.clear();
    }

    unsigned short port() const { return server_ ? server_->port() : 0; }

    void reload(const GatewayConfig& config) {
        auto previous = current();
        auto next = build_state(config, previous.get());
        install(next);
        for (auto& [name, pool] : previous->pools) {
            auto kept = next->pools.find(name);
            if (kept == next->pools.end() || kept->second != pool) pool->retire();
        }
        log_.info("", "configuration reloaded",
                  nlohmann::json{{"routes", config.routes.size()}, {"upstreams", config.upstreams.size()},
                                 {"api_keys", config.auth.api_keys.size()}});
    }

private:
    std::shared_ptr<GatewayState> build_state(const GatewayConfig& config, const GatewayState* previous) {
        auto state = std::make_shared<GatewayState>(config);
        for (const auto& [name, upstream] : config.upstreams) {
            if (previous) {
                auto old = previous->pools.find(name);
                if (old != previous->pools.end() &&
                    previous->config.upstream_fingerprints.at(name) == config.upstream_fingerprints.at(name)) {
                    state->pools.emplace(name, old->second);
                    continue;
                }
            }
            auto pool = std::make_shared<cluster::UpstreamPool>(
                upstream, cluster::UpstreamDeps{io_, clock_, deps_.logs.get("upstream"), upstream_metrics_, server_->io_contexts()});
            pool->start();
            state->pools.emplace(name, std::move(pool));
        }
        if (config.rate_limits.backend == "redis") {
            state->limiter = std::make_shared<cluster::RedisRateLimiter>(config.rate_limits.redis, config.rate_limits.fail_open);
        } else if (previous && previous->config.rate_limits.backend == "local") {
            state->limiter = previous->limiter;  // keep the buckets: a reload must not reset everyone's limit
        } else {
            state->limiter = std::make_shared<cluster::LocalRateLimiter>(clock_);
        }
        return state;
    }

    void install(std::shared_ptr<const GatewayState> state) {
        std::lock_guard lock(mutex_);
        state_ = std::move(state);
    }

    std::shared_ptr<const GatewayState> current() const {
        std::lock_guard lock(mutex_);
        return state_;
    }

    // A refusal the gateway makes itself, logged and counted like any answer.
    void refuse(net::Request& request, net::Exchange& exchange, const std::string& route, net::Response response,
                const net::Headers& extra) {
        for (const auto& [name, value] : extra) response.headers.set(name, value);
        const double seconds = std::chrono::duration<double>(steady_clock::now() - request.received_at).count();
        metrics_.record(route, response.status, 0, seconds);
        if (access_.enabled(LogLevel::kInfo))
            access_.info(request.request_id, "request",
                     nlohmann::json{{"method", request.method}, {"path", request.path}, {"route", route},
                                    {"status", response.status}, {"attempts", 0},
                                    {"latency_ms", seconds * 1000}});
        exchange.respond(std::move(response));
    }

    std::optional<net::Response> check_limit(const GatewayState& state, const std::string& key,
                                             const cluster::RateLimit& limit, const char* scope,
                                             const std::string& request_id, net::Headers& extra) {
        auto decision = state.limiter->try_acquire(key, limit);
        if (!decision.error.empty()) warn_limiter(decision.error);
        add_rate_headers(extra, decision, limit);
        if (decision.allowed) return std::nullopt;
        metrics_.rate_limited(scope);
        return net::Response::error(429, "rate_limited",
                                    std::string("too many requests for this ") + (scope == std::string("ip") ? "client address" : "API key"),
                                    request_id, retry_after_seconds(decision));
    }

    void warn_limiter(const std::string& error) {
        // Once a second at most: a Redis outage must not turn every request into a log line.
        const auto now = steady_clock::now().time_since_epoch().count();
        auto last = last_limiter_warning_.load();
        if (now - last < std::chrono::nanoseconds(std::chrono::seconds(1)).count()) return;
        if (!last_limiter_warning_.compare_exchange_strong(last, now)) return;
        log_.warn("", "rate limiter backend failed", nlohmann::json{{"error", error}});
    }

    void handle(net::Request& request, std::shared_ptr<net::Exchange> exchange) {
        auto state = current();
        if (!state) return exchange->respond(net::Response::error(503, "shutting_down", "the gateway is stopping", request.request_id, 1));
        if (auto preflight = state->cors.preflight(request)) return exchange->respond(std::move(*preflight));
        net::Headers extra;
        state->cors.decorate(request, extra);

        if (is_suspicious_path(request.path)) {
            return refuse(request, *exchange, "", net::Response::error(400, "invalid_path", "the path holds '.', '..', '//' or a backslash", request.request_id), extra);
        }
        const RouteConfig* route = state->routes.match(path_of(request.target));
        if (!route) {
            return refuse(request, *exchange, "", net::Response::error(404, "route_not_found", "no route for " + request.path, request.request_id), extra);
        }
        if (!route->methods.empty() && std::find(route->methods.begin(), route->methods.end(), request.method) == route->methods.end()) {
            auto response = net::Response::error(405, "method_not_allowed", request.method + " is not allowed on " + route->prefix, request.request_id);
            std::string allow;
            for (const auto& m : route->methods) allow += (allow.empty() ? "" : ", ") + m;
            response.headers.set("Allow", allow);
            return refuse(request, *exchange, route->name, std::move(response), extra);
        }
        const std::string client_ip = client_address(request, state->config.rate_limits.trusted_proxies);
        const auto& limits = state->config.rate_limits;
        if (limits.per_ip) {
            if (auto refused = check_limit(*state, "ip:" + client_ip, *limits.per_ip, "ip", request.request_id, extra)) {
                return refuse(request, *exchange, route->name, std::move(*refused), extra);
            }
        }
        Principal principal;
        if (route->auth_required) {
            auto verdict = state->auth.authenticate(request, std::chrono::system_clock::now());
            if (auto* failure = std::get_if<AuthFailure>(&verdict)) {
                metrics_.auth_failure(failure->code);
                auto response = net::Response::error(failure->status, failure->code, failure->message, request.request_id);
                response.headers.set("WWW-Authenticate", "Bearer realm=\"visiongrid\"");
                return refuse(request, *exchange, route->name, std::move(response), extra);
            }
            principal = std::get<Principal>(std::move(verdict));
            if (!Authenticator::has_scope(principal, route->scopes)) {
                metrics_.auth_failure("insufficient_scope");
                std::string needed;
                for (const auto& s : route->scopes) needed += (needed.empty() ? "" : " or ") + s;
                return refuse(request, *exchange, route->name,
                              net::Response::error(403, "insufficient_scope", "this route needs scope " + needed, request.request_id), extra);
            }
            const auto& limit = principal.rate_limit ? principal.rate_limit : limits.per_key;
            if (limit) {
                if (auto refused = check_limit(*state, "key:" + principal.name, *limit, "key", request.request_id, extra)) {
                    return refuse(request, *exchange, route->name, std::move(*refused), extra);
                }
            }
        }
        if (route->body_limit && request.body.size() > route->body_limit->bytes) {
            return refuse(request, *exchange, route->name,
                          net::Response::error(413, "body_too_large",
                                               "the body is " + std::to_string(request.body.size()) + " bytes; this route takes at most " +
                                                   std::to_string(route->body_limit->bytes),
                                               request.request_id),
                          extra);
        }
        ProxyPlan plan{state->pools.at(route->upstream), route, std::move(extra), principal.name, client_ip,
                       state->config.server.tls.enabled};
        forward(request, exchange, std::move(plan),
                [this, state, route_name = route->name, request_id = request.request_id, method = request.method,
                 path = request.path, received = request.received_at, upstream = route->upstream](const ProxyOutcome& outcome) {
                    const double seconds = std::chrono::duration<double>(steady_clock::now() - received).count();
                    metrics_.record(route_name, outcome.status, outcome.upstream.attempts, seconds);
                    if (!access_.enabled(LogLevel::kInfo)) return;  // building the fields costs more than proxying
                    nlohmann::json fields{{"method", method},          {"path", path},
                                          {"route", route_name},       {"upstream", upstream},
                                          {"instance", outcome.upstream.instance}, {"attempts", outcome.upstream.attempts},
                                          {"status", outcome.status},  {"latency_ms", seconds * 1000}};
                    if (!outcome.upstream.error.empty()) fields["error"] = outcome.upstream.error;
                    access_.info(request_id, "request", fields);
                });
    }

    const GatewayConfig config_;
    GatewayDeps deps_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::vector<std::thread> threads_;
    cluster::SteadyClock clock_;
    cluster::UpstreamMetrics upstream_metrics_;
    GatewayMetrics metrics_;
    Logger log_;
    Logger access_;
    std::atomic<steady_clock::rep> last_limiter_warning_{0};

    mutable std::mutex mutex_;
    std::shared_ptr<const GatewayState> state_;
    std::unique_ptr<net::HttpServer> server_;
    std::atomic<bool> stopped_{false};
};

GatewayService::GatewayService(const GatewayConfig& config, GatewayDeps deps) : impl_(std::make_unique<Impl>(config, deps)) {}
GatewayService::~GatewayService() = default;
void GatewayService::start() { impl_->start(); }
void GatewayService::stop() { impl_->stop(); }
unsigned short GatewayService::port() const { return impl_->port(); }
void GatewayService::reload(const GatewayConfig& config) { impl_->reload(config); }

}  // namespace vg::services::gateway
