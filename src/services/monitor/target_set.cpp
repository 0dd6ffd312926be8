#include "services/monitor/target_set.hpp"

#include <nlohmann/json.hpp>

namespace vg::services::monitor {

TargetSet::TargetSet(boost::asio::io_context& io, std::vector<TargetConfig> targets, Logger log,
                     cluster::Resolver resolver)
    : targets_(std::move(targets)), log_(std::move(log)), found_(targets_.size()) {
    for (const auto& target : targets_) {
        if (target.dns) {
            auto on_error = [log = log_, name = target.dns->name](const std::string& error) {
                log.warn("", "target discovery failed; keeping the last list",
                         nlohmann::json{{"dns", name}, {"error", error}});
            };
            discoveries_.push_back(std::make_unique<cluster::DnsDiscovery>(io, *target.dns, resolver, on_error));
        } else {
            discoveries_.push_back(std::make_unique<cluster::StaticDiscovery>(target.instances));
        }
    }
}

TargetSet::~TargetSet() {
    stop();
}

void TargetSet::start(OnChange on_change) {
    on_change_ = std::move(on_change);
    for (std::size_t i = 0; i < discoveries_.size(); ++i) {
        discoveries_[i]->start([this, i](std::vector<cluster::Endpoint> endpoints) {
            found_[i] = std::move(endpoints);
            publish();
        });
    }
}

void TargetSet::stop() {
    for (auto& discovery : discoveries_) discovery->stop();
}

void TargetSet::publish() {
    std::map<std::string, std::string> role_by_instance;
    for (std::size_t i = 0; i < found_.size(); ++i) {
        for (const auto& endpoint : found_[i]) role_by_instance.try_emplace(endpoint.id(), targets_[i].role);
    }
    if (on_change_) on_change_(role_by_instance);
}

}  // namespace vg::services::monitor
