#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/instance.hpp"

namespace vg::cluster {

// Where balancers read time from; a function rather than a Clock so callers can pass a lambda.
using TimeSource = std::function<std::chrono::steady_clock::time_point()>;

// Newly healthy instances start cold (empty caches, JIT, lazily loaded models), so they get a small
// share that grows linearly from 10 % to 100 % of their weight over `window`.
struct SlowStartConfig {
    std::chrono::milliseconds window{0};  // 0: off
};

// Chooses the upstream instance for one request attempt.
class LoadBalancer {
public:
    virtual ~LoadBalancer();

    // Picks among `candidates` (already filtered to healthy / not ejected / breaker-permitting).
    // `key` is the request's affinity key (e.g. the image content hash), empty when none. `exclude`
    // lists ids of instances already tried for this request, so retries go elsewhere.
    // Returns nullptr when no candidate is left. Thread-safe.
    virtual std::shared_ptr<Instance> pick(const InstanceSet& candidates, std::string_view key,
                                           const std::vector<std::string>& exclude) = 0;
};

// Builds the balancer named by `policy`: "round_robin", "least_outstanding" or "consistent_hash".
// Throws std::invalid_argument naming the allowed policies for anything else.
std::unique_ptr<LoadBalancer> make_load_balancer(std::string_view policy, SlowStartConfig slow_start = {},
                                                 TimeSource now = std::chrono::steady_clock::now);

// True when `id` is in `exclude`. Exclusion lists hold the few attempts of one request, so a linear
// scan beats building a set.
bool is_excluded(const std::string& id, const std::vector<std::string>& exclude);

}  // namespace vg::cluster
