#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/instance.hpp"

namespace vg::cluster::testing {

inline std::shared_ptr<Instance> make_instance(const std::string& id, int weight = 1,
                                               std::chrono::steady_clock::time_point healthy_since = {}) {
    auto instance = std::make_shared<Instance>();
    instance->id = id;
    instance->host = id.substr(0, id.find(':'));
    instance->port = 8080;
    instance->weight = weight;
    instance->healthy_since = healthy_since;
    return instance;
}

// Instances "a", "b", ... with the given weights.
inline InstanceSet make_set(const std::vector<int>& weights) {
    InstanceSet set;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        set.push_back(make_instance(std::string(1, static_cast<char>('a' + i)), weights[i]));
    }
    return set;
}

// How many times each id came out of `picks` calls of `pick()`; "" counts nullptr results.
template <class Pick>
std::map<std::string, int> count_picks(int picks, Pick&& pick) {
    std::map<std::string, int> counts;
    for (int i = 0; i < picks; ++i) {
        auto instance = pick();
        ++counts[instance ? instance->id : ""];
    }
    return counts;
}

}  // namespace vg::cluster::testing
