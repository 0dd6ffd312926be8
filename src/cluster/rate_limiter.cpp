#include "cluster/rate_limiter.hpp"

namespace vg::cluster {

RateLimiter::~RateLimiter() = default;

LocalRateLimiter::LocalRateLimiter(const Clock& clock, std::size_t max_keys)
    : buckets_([&clock] { return clock.now(); }, max_keys) {}

RateDecision LocalRateLimiter::try_acquire(std::string_view key, const RateLimit& limit, double cost) {
    return buckets_.try_acquire(key, limit, cost);
}

}  // namespace vg::cluster
