#include "obs/health.hpp"

namespace vg::obs {

void Readiness::set(const std::string& component, bool ready, std::string reason) {
    std::lock_guard lock(mutex_);
    components_[component] = {ready, std::move(reason)};
}

bool Readiness::ready() const {
    std::lock_guard lock(mutex_);
    for (const auto& [name, state] : components_) {
        if (!state.first) return false;
    }
    return true;
}

std::map<std::string, std::string> Readiness::blockers() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::string> out;
    for (const auto& [name, state] : components_) {
        if (!state.first) out[name] = state.second;
    }
    return out;
}

}  // namespace vg::obs
