#include "cluster/round_robin.hpp"

#include <algorithm>

namespace vg::cluster {

std::shared_ptr<Instance> RoundRobinBalancer::pick(const InstanceSet& candidates, std::string_view /*key*/,
                                                   const std::vector<std::string>& exclude) {
    std::lock_guard lock(mutex_);

    // Forget instances that left the set so the map cannot grow without bound as instances churn.
    if (current_.size() > candidates.size()) {
        std::unordered_map<std::string, std::int64_t> kept;
        for (const auto& instance : candidates) {
            if (auto it = current_.find(instance->id); it != current_.end()) kept.emplace(*it);
        }
        current_ = std::move(kept);
    }

    std::int64_t total = 0;
    std::int64_t* best_weight = nullptr;
    std::shared_ptr<Instance> best;
    for (const auto& instance : candidates) {
        if (is_excluded(instance->id, exclude)) continue;
        const std::int64_t weight = std::max(instance->weight, 1);
        std::int64_t& current = current_[instance->id];
        current += weight;
        total += weight;
        // Strictly greater: ties go to the earlier candidate, which makes the order reproducible.
        if (best_weight == nullptr || current > *best_weight) {
            best_weight = &current;
            best = instance;
        }
    }
    if (best_weight != nullptr) *best_weight -= total;
    return best;
}

}  // namespace vg::cluster
