#include "cluster/load_balancer.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "cluster/consistent_hash.hpp"
#include "cluster/least_outstanding.hpp"
#include "cluster/round_robin.hpp"

namespace vg::cluster {

LoadBalancer::~LoadBalancer() = default;

std::unique_ptr<LoadBalancer> make_load_balancer(std::string_view policy, SlowStartConfig slow_start, TimeSource now) {
    if (policy == "round_robin") return std::make_unique<RoundRobinBalancer>();
    if (policy == "least_outstanding") return std::make_unique<LeastOutstandingBalancer>(slow_start, std::move(now));
    if (policy == "consistent_hash") return std::make_unique<ConsistentHashBalancer>(slow_start, std::move(now));
    throw std::invalid_argument("unknown load balancing policy '" + std::string(policy) +
                                "'; allowed: round_robin, least_outstanding, consistent_hash");
}

bool is_excluded(const std::string& id, const std::vector<std::string>& exclude) {
    return std::find(exclude.begin(), exclude.end(), id) != exclude.end();
}

}  // namespace vg::cluster
