#include "services/monitor/instance_registry.hpp"

#include <algorithm>

namespace vg::services::monitor {

std::vector<std::string> InstanceRegistry::set_members(const std::map<std::string, std::string>& role_by_instance) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> departed;
    for (auto it = instances_.begin(); it != instances_.end();) {
        if (role_by_instance.contains(it->first)) {
            ++it;
            continue;
        }
        departed.push_back(it->first);
        it = instances_.erase(it);
    }
    for (const auto& [instance, role] : role_by_instance) {
        auto [it, added] = instances_.try_emplace(instance);
        if (added) it->second.instance = instance;
        it->second.role = role;
    }
    return departed;
}

void InstanceRegistry::record(const std::string& instance, const ScrapeResult& result) {
    std::lock_guard lock(mutex_);
    auto it = instances_.find(instance);
    if (it == instances_.end()) return;
    InstanceStatus& status = it->second;
    status.scraped = true;
    status.up = result.up;
    status.ready = result.ready;
    status.last_scrape_ms = result.started_ms;
    status.error = result.error;
}

std::vector<InstanceStatus> InstanceRegistry::snapshot() const {
    std::vector<InstanceStatus> out;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [instance, status] : instances_) out.push_back(status);
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.role < b.role; });
    return out;
}

std::optional<InstanceStatus> InstanceRegistry::find(const std::string& instance) const {
    std::lock_guard lock(mutex_);
    auto it = instances_.find(instance);
    if (it == instances_.end()) return std::nullopt;
    return it->second;
}

}  // namespace vg::services::monitor
