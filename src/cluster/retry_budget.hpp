#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>

#include "cluster/clock.hpp"
#include "cluster/retry.hpp"

namespace vg::cluster {

// Caps retries so that an overloaded upstream is not hit with a multiple of its normal load
// (Envoy's retry budget, plus a per-second floor so that quiet clients can still retry).
//
// Definitions:
//   active requests  = on_request() calls minus on_request_done() calls (first attempts of logical
//                      requests still in flight; retries are not counted here);
//   active retries   = successful try_spend() calls minus on_retry_done() calls;
//   ratio allowance  = floor(ratio * active requests);
//   floor tokens     = a token bucket holding at most min_per_second tokens, full at construction,
//                      refilled continuously at min_per_second tokens per second of clock time.
// try_spend() grants a retry when active retries < ratio allowance (no token used); otherwise when a
// whole floor token is available (one token used); otherwise refuses. Example: 100 active requests,
// ratio 0.2, floor 0 -> at most 20 concurrent retries; with floor 10, up to 10 more in a burst and
// then 10 more per second.
//
// Every granted try_spend() must be matched by one on_retry_done() when that retry attempt ends.
// Thread-safe.
class RetryBudget {
public:
    // Throws std::invalid_argument when ratio is negative or not finite. `clock` must outlive this.
    RetryBudget(double ratio, std::size_t min_per_second, const Clock& clock);
    RetryBudget(const RetryConfig& config, const Clock& clock);

    RetryBudget(const RetryBudget&) = delete;
    RetryBudget& operator=(const RetryBudget&) = delete;

    void on_request();
    bool try_spend();
    void on_retry_done();
    void on_request_done();

    std::size_t active_requests() const;
    std::size_t active_retries() const;

private:
    void refill_locked();

    const double ratio_;
    const double floor_per_second_;
    const Clock& clock_;

    mutable std::mutex mutex_;
    std::size_t active_requests_ = 0;
    std::size_t active_retries_ = 0;
    double floor_tokens_;
    std::chrono::steady_clock::time_point last_refill_;
};

}  // namespace vg::cluster
