#include "cluster/consistent_hash.hpp"

#include <algorithm>

// Header-only use of xxHash: no library to link, and the hash inlines into the ring walk.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace vg::cluster {

namespace {

std::uint64_t hash_key(std::string_view key) {
    return XXH3_64bits(key.data(), key.size());
}

// Seeding by the replica number gives each virtual node of an instance an independent position.
std::uint64_t hash_virtual_node(const std::string& id, std::uint64_t replica) {
    return XXH3_64bits_withSeed(id.data(), id.size(), replica);
}

}  // namespace

ConsistentHashBalancer::ConsistentHashBalancer(SlowStartConfig slow_start, TimeSource now, std::uint64_t seed)
    : fallback_(slow_start, std::move(now), seed) {}

std::shared_ptr<Instance> ConsistentHashBalancer::pick(const InstanceSet& candidates, std::string_view key,
                                                       const std::vector<std::string>& exclude) {
    if (key.empty()) return fallback_.pick(candidates, key, exclude);
    if (candidates.empty()) return nullptr;

    const auto ring = ring_for(candidates);
    const auto& points = ring->points;
    const auto start = std::lower_bound(points.begin(), points.end(), std::make_pair(hash_key(key), std::uint32_t{0}));
    const std::size_t first = static_cast<std::size_t>(start - points.begin());
    for (std::size_t step = 0; step < points.size(); ++step) {
        const auto& instance = candidates[points[(first + step) % points.size()].second];
        if (instance->healthy.load(std::memory_order_relaxed) && !is_excluded(instance->id, exclude)) return instance;
    }
    return nullptr;
}

std::shared_ptr<const ConsistentHashBalancer::Ring> ConsistentHashBalancer::ring_for(const InstanceSet& candidates) {
    {
        std::lock_guard lock(mutex_);
        if (ring_ && matches(*ring_, candidates)) return ring_;
    }
    // Built outside the lock so picks against the old ring are not held up; if two threads race,
    // both build the same ring and the last one stored wins.
    auto ring = build_ring(candidates);
    std::lock_guard lock(mutex_);
    ring_ = ring;
    return ring;
}

bool ConsistentHashBalancer::matches(const Ring& ring, const InstanceSet& candidates) {
    if (ring.signature.size() != candidates.size()) return false;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (ring.signature[i].first != candidates[i]->id || ring.signature[i].second != candidates[i]->weight) {
            return false;
        }
    }
    return true;
}

std::shared_ptr<const ConsistentHashBalancer::Ring> ConsistentHashBalancer::build_ring(const InstanceSet& candidates) {
    auto ring = std::make_shared<Ring>();
    ring->signature.reserve(candidates.size());
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& instance = *candidates[i];
        ring->signature.emplace_back(instance.id, instance.weight);
        const int replicas = kVirtualNodesPerWeight * std::max(instance.weight, 1);
        for (int r = 0; r < replicas; ++r) {
            ring->points.emplace_back(hash_virtual_node(instance.id, static_cast<std::uint64_t>(r)),
                                      static_cast<std::uint32_t>(i));
        }
    }
    // Sorting by (hash, index) keeps the rare hash collision deterministic; index order follows the
    // snapshot order, which is why equal sets in another order rebuild rather than reuse.
    std::sort(ring->points.begin(), ring->points.end());
    return ring;
}

}  // namespace vg::cluster
