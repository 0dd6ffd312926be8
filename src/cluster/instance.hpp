#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace vg::cluster {

// One upstream endpoint as load balancers see it. Shared (`std::shared_ptr<Instance>`) because the
// in-flight request counter must outlive any one snapshot of the instance list: a request keeps
// counting against the instance it went to even after the registry publishes a new set.
//
// Thread-safety: `id`, `host`, `port` and `weight` are fixed before the instance is shared and never
// written afterwards. `healthy`, `healthy_since` and `outstanding` are atomics because the health
// checker and request paths change them while balancers read them.
struct Instance {
    std::string id;  // "host:port"; the identity balancers and exclusion lists use
    std::string host;
    unsigned short port = 0;
    int weight = 1;  // relative share; balancers treat values below 1 as 1
    std::atomic<bool> healthy{true};
    // When the instance last became healthy; slow start ramps its share up from here.
    std::atomic<std::chrono::steady_clock::time_point> healthy_since{};
    std::atomic<int> outstanding{0};  // requests sent and not yet answered
};

// An immutable snapshot of the instances a request may go to.
using InstanceSet = std::vector<std::shared_ptr<Instance>>;

}  // namespace vg::cluster
