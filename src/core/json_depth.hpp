#pragma once

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace vg {

// How deeply `value` nests (a scalar is 0, `[]` and `{}` are 1), found without recursion so that a
// hostile document cannot overflow the stack here; counting stops once past `limit`. Serialising a
// value (dump()) and most other walks of one recurse: check this first on anything a client sent.
// Any nlohmann::basic_json (json, ordered_json).
template <class Json = nlohmann::json>
std::size_t json_depth(const Json& value, std::size_t limit) {
    std::size_t deepest = 0;
    std::vector<std::pair<const Json*, std::size_t>> pending{{&value, 0}};
    while (!pending.empty()) {
        const auto [node, depth] = pending.back();
        pending.pop_back();
        if (!node->is_structured()) continue;
        deepest = std::max(deepest, depth + 1);
        if (deepest > limit) return deepest;
        for (const auto& child : *node) pending.emplace_back(&child, depth + 1);
    }
    return deepest;
}

}  // namespace vg
