#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/least_outstanding.hpp"
#include "cluster/load_balancer.hpp"

namespace vg::cluster {

// Affinity routing: requests with the same key (e.g. an image hash) go to the same instance while the
// candidate set is unchanged, so that instance's caches stay warm; adding or removing one of N
// instances moves only about 1/N of the keys. Each instance owns kVirtualNodesPerWeight × weight
// points on a 64-bit ring; a key goes to the owner of the first point at or after its hash. If that
// owner is excluded or unhealthy the walk continues to the next distinct instance. Requests without
// a key have no affinity to keep and fall back to least-outstanding power of two choices.
//
// The ring is rebuilt lazily when the candidate ids or weights (in order) differ from the last build;
// callers should pass snapshots in a stable order. Thread-safe: the ring is immutable and swapped
// under a mutex, so concurrent picks on an unchanged set only copy a shared_ptr.
class ConsistentHashBalancer final : public LoadBalancer {
public:
    static constexpr int kVirtualNodesPerWeight = 100;

    ConsistentHashBalancer(SlowStartConfig slow_start, TimeSource now,
                           std::uint64_t seed = LeastOutstandingBalancer::random_seed());

    std::shared_ptr<Instance> pick(const InstanceSet& candidates, std::string_view key,
                                   const std::vector<std::string>& exclude) override;

private:
    struct Ring {
        std::vector<std::pair<std::string, int>> signature;           // (id, weight) of the set it was built from
        std::vector<std::pair<std::uint64_t, std::uint32_t>> points;  // (hash, index into the set), sorted
    };

    std::shared_ptr<const Ring> ring_for(const InstanceSet& candidates);
    static bool matches(const Ring& ring, const InstanceSet& candidates);
    static std::shared_ptr<const Ring> build_ring(const InstanceSet& candidates);

    LeastOutstandingBalancer fallback_;
    std::mutex mutex_;
    std::shared_ptr<const Ring> ring_;
};

}  // namespace vg::cluster
