#include "cluster/least_outstanding.hpp"

#include <algorithm>
#include <random>

namespace vg::cluster {

namespace {

constexpr double kSlowStartFloor = 0.1;

}  // namespace

double effective_weight(const Instance& instance, SlowStartConfig slow_start,
                        std::chrono::steady_clock::time_point now) {
    const double weight = std::max(instance.weight, 1);
    if (slow_start.window.count() <= 0) return weight;
    const auto healthy_for = now - instance.healthy_since.load(std::memory_order_relaxed);
    if (healthy_for >= slow_start.window) return weight;
    const double progress =
        std::max(0.0, std::chrono::duration<double>(healthy_for) / std::chrono::duration<double>(slow_start.window));
    return weight * (kSlowStartFloor + (1.0 - kSlowStartFloor) * progress);
}

LeastOutstandingBalancer::LeastOutstandingBalancer(SlowStartConfig slow_start, TimeSource now, std::uint64_t seed)
    : slow_start_(slow_start), now_(std::move(now)), random_state_(seed) {}

std::uint64_t LeastOutstandingBalancer::random_seed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

// splitmix64: one atomic add per number, so concurrent pickers never contend on a lock.
std::uint64_t LeastOutstandingBalancer::next_random() {
    std::uint64_t z = random_state_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::shared_ptr<Instance> LeastOutstandingBalancer::pick(const InstanceSet& candidates, std::string_view /*key*/,
                                                         const std::vector<std::string>& exclude) {
    std::vector<const std::shared_ptr<Instance>*> eligible;
    eligible.reserve(candidates.size());
    for (const auto& instance : candidates) {
        if (!is_excluded(instance->id, exclude)) eligible.push_back(&instance);
    }
    if (eligible.empty()) return nullptr;
    if (eligible.size() == 1) return *eligible.front();

    const std::size_t n = eligible.size();
    const std::size_t first = next_random() % n;
    std::size_t second = next_random() % (n - 1);
    if (second >= first) ++second;  // distinct from `first`, uniform over the rest

    const auto now = slow_start_.window.count() > 0 ? now_() : std::chrono::steady_clock::time_point{};
    // +1 so idle instances still differ by weight (0/w would tie every idle instance).
    auto load = [&](const Instance& instance) {
        return (instance.outstanding.load(std::memory_order_relaxed) + 1.0) /
               effective_weight(instance, slow_start_, now);
    };
    const auto& a = *eligible[first];
    const auto& b = *eligible[second];
    // Ties go to `a`, which is itself a random choice.
    return load(*b) < load(*a) ? b : a;
}

}  // namespace vg::cluster
