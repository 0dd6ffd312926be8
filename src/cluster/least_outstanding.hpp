#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/load_balancer.hpp"

namespace vg::cluster {

// The instance's weight as balancers should use it at `now`: its configured weight (at least 1),
// scaled linearly from 10 % to 100 % while it has been healthy for less than the slow-start window.
double effective_weight(const Instance& instance, SlowStartConfig slow_start,
                        std::chrono::steady_clock::time_point now);

// Power of two choices: samples two distinct candidates at random and takes the one with fewer
// outstanding requests per unit of (slow-start adjusted) weight. Sampling two rather than scanning
// for the global minimum keeps many gateways from all stampeding onto the same idle instance.
// Thread-safe and lock-free (the random state is one atomic counter).
class LeastOutstandingBalancer final : public LoadBalancer {
public:
    // `seed` fixes the random sequence; tests pass one to make runs reproducible.
    LeastOutstandingBalancer(SlowStartConfig slow_start, TimeSource now, std::uint64_t seed = random_seed());

    std::shared_ptr<Instance> pick(const InstanceSet& candidates, std::string_view key,
                                   const std::vector<std::string>& exclude) override;

    static std::uint64_t random_seed();

private:
    std::uint64_t next_random();

    SlowStartConfig slow_start_;
    TimeSource now_;
    std::atomic<std::uint64_t> random_state_;
};

}  // namespace vg::cluster
