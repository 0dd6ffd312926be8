#include "cluster/token_bucket.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

namespace vg::cluster {

namespace {

constexpr std::size_t kMaxShards = 16;
// Absorbs floating-point error so that waiting exactly `retry_after` really is enough.
constexpr double kTokenEpsilon = 1e-9;

}  // namespace

void validate_rate_limit(const RateLimit& limit) {
    if (!std::isfinite(limit.rate_per_second) || limit.rate_per_second < 0) {
        throw std::invalid_argument("rate limit: rate_per_second must be a finite number >= 0");
    }
    if (!std::isfinite(limit.burst) || limit.burst <= 0) {
        throw std::invalid_argument("rate limit: burst must be a finite number > 0");
    }
}

TokenBucketLimiter::TokenBucketLimiter(RateLimit limit, std::function<std::chrono::steady_clock::time_point()> now,
                                       std::size_t max_keys)
    : TokenBucketLimiter(std::move(now), max_keys) {
    validate_rate_limit(limit);
    limit_ = limit;
}

TokenBucketLimiter::TokenBucketLimiter(std::function<std::chrono::steady_clock::time_point()> now, std::size_t max_keys)
    : now_(std::move(now)) {
    if (max_keys == 0) throw std::invalid_argument("rate limit: max_keys must be at least 1");
    // Fewer shards than keys would let the per-shard caps add up past max_keys.
    const std::size_t shard_count = std::min(kMaxShards, max_keys);
    max_keys_per_shard_ = max_keys / shard_count;
    shards_.reserve(shard_count);
    for (std::size_t i = 0; i < shard_count; ++i) shards_.push_back(std::make_unique<Shard>());
}

TokenBucketLimiter::Decision TokenBucketLimiter::try_acquire(std::string_view key, double cost) {
    if (!limit_) throw std::logic_error("rate limit: this limiter has no default limit; pass one per call");
    return try_acquire(key, *limit_, cost);
}

TokenBucketLimiter::Decision TokenBucketLimiter::try_acquire(std::string_view key, const RateLimit& limit,
                                                             double cost) {
    if (!(cost >= 0)) throw std::invalid_argument("rate limit: cost must be >= 0");
    validate_rate_limit(limit);
    Shard& shard = *shards_[StringHash{}(key) % shards_.size()];
    const auto now = now_();

    std::lock_guard lock(shard.mutex);
    Bucket& bucket = bucket_for(shard, key, limit.burst, now);
    if (now > bucket.refilled_at) {
        const double elapsed = std::chrono::duration<double>(now - bucket.refilled_at).count();
        bucket.tokens += elapsed * limit.rate_per_second;
        bucket.refilled_at = now;
    }
    // Outside the refill too: a key whose burst was just lowered keeps no more than the new burst.
    bucket.tokens = std::min(limit.burst, bucket.tokens);

    if (bucket.tokens + kTokenEpsilon >= cost) {
        bucket.tokens = std::max(0.0, bucket.tokens - cost);
        return {true, bucket.tokens, std::chrono::milliseconds{0}, limit.burst, {}};
    }
    if (cost > limit.burst || limit.rate_per_second <= 0) {
        return {false, bucket.tokens, std::chrono::milliseconds::max(), limit.burst, {}};
    }
    const double wait_ms = std::ceil((cost - bucket.tokens) / limit.rate_per_second * 1000.0);
    return {false, bucket.tokens, std::chrono::milliseconds{static_cast<std::int64_t>(wait_ms)}, limit.burst, {}};
}

TokenBucketLimiter::Bucket& TokenBucketLimiter::bucket_for(Shard& shard, std::string_view key, double initial_tokens,
                                                           std::chrono::steady_clock::time_point now) {
    if (auto it = shard.buckets.find(key); it != shard.buckets.end()) {
        shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru_position);
        return it->second;
    }
    if (shard.buckets.size() >= max_keys_per_shard_) {
        // Erase by iterator: the list entry points into the very node being erased.
        shard.buckets.erase(shard.buckets.find(*shard.lru.back()));
        shard.lru.pop_back();
    }
    auto [it, inserted] = shard.buckets.emplace(std::string(key), Bucket{initial_tokens, now, {}});
    shard.lru.push_front(&it->first);
    it->second.lru_position = shard.lru.begin();
    return it->second;
}

std::size_t TokenBucketLimiter::size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        total += shard->buckets.size();
    }
    return total;
}

}  // namespace vg::cluster
