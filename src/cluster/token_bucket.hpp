#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vg::cluster {

struct RateLimit {
    double rate_per_second = 0;  // tokens added per second; 0: a fixed allowance of `burst`
    double burst = 0;            // bucket capacity, and the tokens a new key starts with
};

// Throws std::invalid_argument for a negative or non-finite rate, or a burst not above 0 (or not finite).
void validate_rate_limit(const RateLimit& limit);

// One rate-limiting decision; every limiter (local or shared) answers with this.
struct RateDecision {
    bool allowed = false;
    double remaining = 0;  // tokens left in the bucket after this decision
    // How long until `cost` tokens will be available: 0 when allowed, milliseconds::max() when the
    // request can never succeed (cost above burst, or no refill). Rounded up, so waiting exactly
    // this long is enough.
    std::chrono::milliseconds retry_after{0};
    double limit = 0;  // the burst, for X-RateLimit-Limit
    // Empty unless the limiter's backend failed; `allowed` then says what the limiter's failure policy
    // chose, not what a bucket held.
    std::string error;
};

// Local, per-key token-bucket rate limiter (per client, per API key, ...). Buckets refill lazily on
// use, so idle keys cost nothing but memory; once more than `max_keys` keys are tracked the least
// recently used one is forgotten (it comes back with a full bucket, which only an idle key can earn
// anyway unless the limiter is undersized). Thread-safe: keys are spread over sharded mutexes so
// unrelated keys rarely contend.
class TokenBucketLimiter {
public:
    using Decision = RateDecision;  // `error` is always empty here

    // Throws std::invalid_argument for a negative or non-finite rate, a burst not above 0, or max_keys 0.
    TokenBucketLimiter(RateLimit limit, std::function<std::chrono::steady_clock::time_point()> now,
                       std::size_t max_keys = 100000);
    // No default limit: every call names its own (try_acquire(key, cost) throws std::logic_error).
    explicit TokenBucketLimiter(std::function<std::chrono::steady_clock::time_point()> now,
                                std::size_t max_keys = 100000);

    // Takes `cost` tokens from `key`'s bucket if it holds that many. Throws std::invalid_argument for a
    // negative cost.
    Decision try_acquire(std::string_view key, double cost = 1);
    // The same under a limit given per call, so keys may have different limits. A key's bucket keeps its
    // tokens when its limit changes, capped at the new burst. Also throws for a bad limit.
    Decision try_acquire(std::string_view key, const RateLimit& limit, double cost = 1);

    // Keys currently tracked; for tests and metrics.
    std::size_t size() const;

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point refilled_at;
        std::list<const std::string*>::iterator lru_position;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, Bucket, StringHash, std::equal_to<>> buckets;
        std::list<const std::string*> lru;  // most recently used first; points at keys in `buckets`
    };

    Bucket& bucket_for(Shard& shard, std::string_view key, double initial_tokens,
                       std::chrono::steady_clock::time_point now);

    std::optional<RateLimit> limit_;
    std::function<std::chrono::steady_clock::time_point()> now_;
    std::size_t max_keys_per_shard_;
    std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace vg::cluster
