#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/circuit_breaker.hpp"
#include "cluster/clock.hpp"
#include "cluster/endpoint.hpp"
#include "cluster/instance.hpp"
#include "cluster/retry_budget.hpp"
#include "cluster/upstream_config.hpp"
#include "cluster/upstream_metrics.hpp"
#include "core/logging.hpp"

namespace boost::asio {
class io_context;
}
namespace vg::net {
class HttpClient;
}

namespace vg::cluster {

class Discovery;
class HealthChecker;
class LoadBalancer;
class OutlierDetector;

// One instance as the pool keeps it: the balancer's view plus its breaker and metric series.
// Shared so that an attempt in flight keeps its member alive after discovery drops it.
struct UpstreamMember {
    UpstreamMember(const Endpoint& endpoint, const CircuitBreakerConfig& breaker_config, const Clock& clock,
                   InstanceSeries series);
    std::shared_ptr<Instance> instance;
    CircuitBreaker breaker;
    InstanceSeries series;
};

struct UpstreamDeps {
    boost::asio::io_context& io;  // runs health checks, DNS refresh, and calls from other threads
    const Clock& clock;
    Logger log;
    UpstreamMetrics& metrics;
    // The server's I/O threads (net::HttpServer::io_contexts()): a call started on one of them runs
    // there, with a client of its own, instead of hopping to `io` and back. Must outlive the pool.
    std::vector<boost::asio::io_context*> request_contexts = {};
};

// An io_context and the client whose connections live on it.
struct UpstreamLane {
    boost::asio::io_context* io;
    std::unique_ptr<net::HttpClient> client;
};

// A pool of interchangeable instances of one upstream: membership (static or DNS, changed at run
// time without disturbing attempts in flight), active health checks, passive outlier ejection, a
// circuit breaker per instance, the load-balancing policy and the retry budget. Requests go through
// it with send_upstream() (upstream_call.hpp). Thread-safe after start().
class UpstreamPool {
public:
    // kDeclined: the instance refused the work at capacity (retry.hpp); neither a success nor a failure.
    enum class Outcome { kSuccess, kFailure, kCancelled, kDeclined };

    struct MemberStatus {
        std::string id;
        int weight = 1;
        bool healthy = true;
        bool ejected = false;
        BreakerState breaker = BreakerState::kClosed;
        int outstanding = 0;
    };

    UpstreamPool(UpstreamConfig config, UpstreamDeps deps);
    ~UpstreamPool();
    UpstreamPool(const UpstreamPool&) = delete;
    UpstreamPool& operator=(const UpstreamPool&) = delete;

    void start();
    // Stops discovery and health checks but lets calls in flight finish (a reload replaced the pool).
    void retire();
    // retire() and closes every connection: calls in flight fail.
    void stop();

    // An instance for one attempt with its breaker permit taken, avoiding `exclude` (ids already
    // tried) when another is available, or always when `revisit` is false; nullptr when no instance can
    // take it. Every member returned must be given back through report() exactly once.
    std::shared_ptr<UpstreamMember> acquire(std::string_view key, const std::vector<std::string>& exclude,
                                            bool revisit = true);
    // Whether the pool has an instance whose id is not in `tried`.
    bool has_untried(const std::vector<std::string>& tried) const;
    // `failure` is true for connect failures, timeouts and 5xx: they feed the breaker and ejection.
    void report(UpstreamMember& member, Outcome outcome, std::chrono::nanoseconds duration);

    // Replaces the membership; instances kept keep their breaker, health and counters.
    void set_endpoints(const std::vector<Endpoint>& endpoints);

    std::vector<MemberStatus> status() const;
    const UpstreamConfig& config() const { return config_; }
    const std::string& name() const { return config_.name; }
    net::HttpClient& client() { return *lanes_.front().client; }
    // The lane for a call started on the calling thread: its own when it is a request context.
    UpstreamLane& lane_for_current_thread();
    RetryBudget& retry_budget() { return budget_; }
    UpstreamMetrics& metrics() { return deps_.metrics; }
    boost::asio::io_context& io() { return deps_.io; }
    const Clock& clock() const { return deps_.clock; }
    const Logger& log() const { return deps_.log; }

private:
    using Members = std::vector<std::shared_ptr<UpstreamMember>>;

    std::shared_ptr<const Members> members() const;
    void on_health_change(const std::string& id, bool healthy);
    std::shared_ptr<UpstreamMember> find(const std::string& id) const;

    const UpstreamConfig config_;
    UpstreamDeps deps_;
    std::vector<UpstreamLane> lanes_;  // [0]: deps.io; then one per request context
    // Probes have their own connections: a pool saturated by traffic must not make probes time out
    // and a busy, healthy instance look dead.
    std::unique_ptr<net::HttpClient> health_client_;
    std::unique_ptr<LoadBalancer> balancer_;
    std::unique_ptr<OutlierDetector> outlier_;
    std::unique_ptr<HealthChecker> health_;
    std::unique_ptr<Discovery> discovery_;
    RetryBudget budget_;

    mutable std::mutex mutex_;
    std::shared_ptr<const Members> members_;
};

}  // namespace vg::cluster
