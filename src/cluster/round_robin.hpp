#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/load_balancer.hpp"

namespace vg::cluster {

// nginx's smooth weighted round robin: over every cycle of sum(weights) picks each instance gets
// exactly its weight, and the picks are interleaved (weights 5,1,1 give a,a,b,a,c,a,a) rather than
// bursting five requests at one instance. Excluded candidates sit out the pick without losing their
// place. Slow start is not applied: a fixed rotation has no load signal to protect a cold instance.
// Thread-safe (one mutex; a pick is O(candidates)).
class RoundRobinBalancer final : public LoadBalancer {
public:
    std::shared_ptr<Instance> pick(const InstanceSet& candidates, std::string_view key,
                                   const std::vector<std::string>& exclude) override;

private:
    std::mutex mutex_;
    // Running "current weight" per instance id; kept by id so a new snapshot of the same instances
    // continues the rotation instead of restarting it.
    std::unordered_map<std::string, std::int64_t> current_;
};

}  // namespace vg::cluster
