#include "obs/health.hpp"

namespace vg::obs {

void Readiness::set(const std::string& component, bool ready, std::string reason) {
    std::lock_guard lock(mutex_);
    components_[component] = {ready, std::move(reason)};
}

void Readiness::add_check(const std::string& component, std::function<std::optional<std::string>()> check) {
    std::lock_guard lock(mutex_);
    checks_[component] = std::move(check);
}

bool Readiness::ready() const { return blockers().empty(); }

std::map<std::string, std::string> Readiness::blockers() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::string> out;
    for (const auto& [name, state] : components_) {
        if (!state.first) out[name] = state.second;
    }
    for (const auto& [name, check] : checks_) {
        if (auto reason = check()) out[name] = *reason;
    }
    return out;
}

}  // namespace vg::obs
