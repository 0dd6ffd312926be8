#pragma once

#include <cstddef>
#include <string_view>

#include "cluster/clock.hpp"
#include "cluster/token_bucket.hpp"  // RateLimit, RateDecision

namespace vg::cluster {

// Token-bucket rate limiting by key (client, API key, ...), the seam between a per-process limiter and
// one shared by every gateway replica (RedisRateLimiter). Implementations are thread-safe.
class RateLimiter {
public:
    virtual ~RateLimiter();

    // Takes `cost` tokens from `key`'s bucket under `limit`; each call names its limit because limits
    // differ per key (per API key plans). Throws std::invalid_argument for a bad limit or a negative
    // cost; a backend failure is not thrown but reported in RateDecision::error.
    virtual RateDecision try_acquire(std::string_view key, const RateLimit& limit, double cost = 1) = 0;
};

// Limits within this process only: N replicas together admit up to N times the limit. Memory stays
// bounded: past `max_keys` keys the least recently used bucket is forgotten (TokenBucketLimiter).
// Thread-safe.
class LocalRateLimiter final : public RateLimiter {
public:
    // `clock` must outlive the limiter. Throws std::invalid_argument for max_keys 0.
    explicit LocalRateLimiter(const Clock& clock, std::size_t max_keys = 100000);

    RateDecision try_acquire(std::string_view key, const RateLimit& limit, double cost = 1) override;

    // Keys currently tracked; for tests and metrics.
    std::size_t size() const { return buckets_.size(); }

private:
    TokenBucketLimiter buckets_;
};

}  // namespace vg::cluster
