#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/endpoint.hpp"

// Keep Asio out of this header: forward-declare what the constructor names.
namespace boost::asio {
class io_context;
}

namespace vg::net {
class HttpClient;
}

namespace vg::cluster {

struct HealthCheckConfig {
    std::string path = "/ready";               // GET target; must start with '/'
    std::chrono::milliseconds interval{5000};  // from the end of one probe to the start of the next
    std::chrono::milliseconds timeout{1000};   // per probe, connection included
    int healthy_threshold = 2;                 // consecutive passes that make an unhealthy target healthy
    int unhealthy_threshold = 2;               // consecutive failures that make a healthy target unhealthy
};

// Throws std::invalid_argument naming the offending field.
void validate_health_check_config(const HealthCheckConfig& config);

// Active health checks: every target gets GET <path> over the shared HttpClient; a 2xx answer is a
// pass, anything else (another status, a timeout, a connect failure) a failure. A target flips to
// unhealthy after unhealthy_threshold consecutive failures and back after healthy_threshold
// consecutive passes; each flip calls on_change(id, healthy), where id is Endpoint::id().
//
// A target starts in the state given to set_targets. The default, healthy, is deliberate: a newly
// discovered instance takes traffic at once instead of waiting a whole threshold of probes, and the
// outlier detector covers the gap if it is in fact broken. Pass false where an instance must prove
// itself first (a cold model server).
//
// A target is probed as soon as it is known (at start(), or when set_targets adds it once started),
// then `interval` after each probe ends, so probes of one target never overlap and a slow target is
// probed less often rather than piling up connections.
//
// Thread-safety: every member may be called from any thread. on_change calls are serialised, in
// the order the flips happened, on an io thread of `io`; on_change may call back into the checker
// (stop() included); an exception from it is logged and dropped. stop() cancels timers and probes
// in flight; once it returns no on_change runs (called from inside on_change it returns at once and
// that call is the last). stop() is final: start() after it does nothing. `io` and `client` must
// outlive the checker; the destructor stops it.
class HealthChecker {
public:
    // Throws std::invalid_argument on a bad config.
    HealthChecker(boost::asio::io_context& io, vg::net::HttpClient& client, HealthCheckConfig config,
                  std::function<void(const std::string& id, bool healthy)> on_change);
    ~HealthChecker();
    HealthChecker(const HealthChecker&) = delete;
    HealthChecker& operator=(const HealthChecker&) = delete;

    // Replaces the set of targets. Removed targets stop being probed (a probe in flight is cancelled)
    // and their undelivered flips are dropped; kept targets (same id) keep their state and counters;
    // added ones start as `initially_healthy` with no probe history.
    void set_targets(const std::vector<Endpoint>& targets, bool initially_healthy = true);
    void start();
    void stop();

    // The current state of a target; false for an id that is not a target.
    bool healthy(const std::string& id) const;

private:
    class Impl;  // shared with timer and probe handlers, which may outlive the checker briefly
    std::shared_ptr<Impl> impl_;
};

}  // namespace vg::cluster
