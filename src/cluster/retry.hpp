#pragma once

#include <chrono>
#include <cstddef>

#include "cluster/backoff.hpp"

namespace vg::cluster {

// How a service-to-service client retries one request. budget_* feed RetryBudget (retry_budget.hpp).
struct RetryConfig {
    int max_attempts = 3;  // first try included
    BackoffConfig backoff;
    // 0: each attempt may use all the time left before the request's deadline (a route's long timeout
    // is not silently cut to a shorter per-try default).
    std::chrono::milliseconds per_try_timeout{0};
    bool idempotent = false;  // safe to run twice upstream (GET, or a request with an idempotency key)
    double budget_ratio = 0.2;
    std::size_t budget_min_retries_per_second = 10;
};

// Throws std::invalid_argument naming the offending field.
void validate_retry_config(const RetryConfig& config);

enum class FailureKind {
    kConnectFailed,    // refused/reset before the request was sent
    kUnavailable503,   // 503 with Retry-After: the instance declined the work
    kDeclined,         // 503 marked net::kOverloadedHeader, or our own queue to it full: alive, at capacity
    kBadGateway502,    // 502 from a dead instance
    kTimeout,          // per-try timeout; the upstream may still be working on it
    kOtherStatus5xx,   // any other 5xx: the upstream may have done part of the work
    kResponseStarted,  // response bytes already reached our client; a retry would corrupt the stream
    kClientError4xx,   // the request itself is wrong; retrying gives the same answer
};

struct AttemptFailure {
    FailureKind kind;
    bool request_sent;  // any byte written upstream
};

// Whether a failed attempt may be retried at all (attempt counts and the budget are separate checks).
// Retry only when the upstream cannot have acted on the request, or when acting twice is harmless:
//   never after the response started or for 4xx; always for 503, 502 and kDeclined (the upstream
//   declined or was not there); connect failures always when nothing was sent, else only if
//   idempotent; timeouts and other 5xx only if idempotent.
// Thread-safe (pure).
bool is_retryable(const AttemptFailure& failure, const RetryConfig& config);

// Whether attempt number `attempts_made` (1-based, the one that just failed) may be followed by another:
// is_retryable and attempts_made < max_attempts. Thread-safe (pure).
bool should_retry(const AttemptFailure& failure, const RetryConfig& config, int attempts_made);

}  // namespace vg::cluster
