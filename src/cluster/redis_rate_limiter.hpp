#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/rate_limiter.hpp"
#include "cluster/redis_connection.hpp"

namespace vg::cluster {

// One token bucket per key shared by every process pointing at the same Redis, so gateway replicas
// enforce one limit together. Each decision is one Lua script run atomically in Redis, reading the
// Redis server's clock (TIME), so replicas with skewed clocks still agree. A bucket is a hash (tokens,
// timestamp) that expires once it would have refilled completely, so idle keys cost Redis nothing;
// with rate 0 (a fixed allowance) it never expires.
//
// Connects lazily (construction never touches the network). When Redis is unreachable, slow or
// refuses us (e.g. NOAUTH), the decision carries `error` and `allowed` is `fail_open`. After a failure,
// calls fail at once without touching the network until a reconnect backoff (100 ms doubling to 1 s)
// has passed; then one call probes, so a Redis that is down costs at most one connect timeout per
// backoff period rather than one per request.
//
// Thread-safe: calls share a pool of up to `pool_size` connections.
class RedisRateLimiter final : public RateLimiter {
public:
    // Throws std::invalid_argument on a bad config.
    RedisRateLimiter(RedisConfig config, bool fail_open);
    ~RedisRateLimiter() override;
    RedisRateLimiter(const RedisRateLimiter&) = delete;
    RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

    RateDecision try_acquire(std::string_view key, const RateLimit& limit, double cost = 1) override;

private:
    struct Connection {
        redis::ContextPtr context;
        std::string script_sha;  // from SCRIPT LOAD on this connection
    };
    struct Lease {
        std::unique_ptr<Connection> connection;  // null when none could be had; see `error`
        bool fresh = false;                      // connected for this call (so not stale)
        bool probe = false;                      // the one call let through after a failure
        std::string error;
    };
    struct ScriptResult {
        bool ok = false;
        bool broken = false;  // the connection is unusable (I/O error, timeout, protocol error)
        bool timed_out = false;
        RateDecision decision;
        std::string error;
    };

    Lease lease(std::chrono::steady_clock::time_point deadline);
    std::unique_ptr<Connection> connect(std::chrono::steady_clock::time_point deadline, std::string& error) const;
    ScriptResult run_script(Connection& connection, const std::string& redis_key, const RateLimit& limit, double cost,
                            std::chrono::steady_clock::time_point deadline) const;
    void give_back(std::unique_ptr<Connection> connection);
    // Closes a broken connection (null: one that failed to connect) and every idle one, which most
    // likely share its fate; with `count_failure`, also shuts the gate for a backoff period.
    void discard(std::unique_ptr<Connection> connection, bool count_failure, bool probe, const std::string& error);
    RateDecision failed(const RateLimit& limit, const std::string& error) const;

    const RedisConfig config_;
    const bool fail_open_;
    const std::string endpoint_;  // "host:port", for messages

    std::mutex mutex_;
    std::condition_variable connection_available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_ = 0;  // idle, leased, and being connected
    // After a failure: nothing touches the network before retry_at_; the first call after it probes.
    std::chrono::milliseconds backoff_{0};
    std::chrono::steady_clock::time_point retry_at_{};
    std::string last_error_;
};

}  // namespace vg::cluster
