#include "cluster/retry.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace vg::cluster {

void validate_retry_config(const RetryConfig& config) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("retry: " + what); };
    if (config.max_attempts < 1) fail("max_attempts must be at least 1");
    if (config.per_try_timeout.count() < 0) fail("per_try_timeout must be 0 (the whole deadline) or positive");
    if (!std::isfinite(config.budget_ratio) || config.budget_ratio < 0) fail("budget_ratio must be finite and >= 0");
    validate_backoff_config(config.backoff);
}

bool is_retryable(const AttemptFailure& failure, const RetryConfig& config) {
    switch (failure.kind) {
        case FailureKind::kResponseStarted: return false;
        case FailureKind::kClientError4xx: return false;
        case FailureKind::kUnavailable503: return true;
        case FailureKind::kDeclined: return true;
        case FailureKind::kBadGateway502: return true;
        // A reset after bytes went out may have reached the application; only safe to repeat if idempotent.
        case FailureKind::kConnectFailed: return !failure.request_sent || config.idempotent;
        case FailureKind::kTimeout: return config.idempotent;
        case FailureKind::kOtherStatus5xx: return config.idempotent;
    }
    return false;
}

bool should_retry(const AttemptFailure& failure, const RetryConfig& config, int attempts_made) {
    return attempts_made < config.max_attempts && is_retryable(failure, config);
}

}  // namespace vg::cluster
