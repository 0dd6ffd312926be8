#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/discovery.hpp"
#include "cluster/endpoint.hpp"
#include "core/logging.hpp"

namespace boost::asio {
class io_context;
}

namespace vg::services::monitor {

// One entry of `monitor.targets`: the instances of one role, listed or found by DNS.
struct TargetConfig {
    std::string role;
    std::vector<cluster::Endpoint> instances;
    std::optional<cluster::DnsDiscoveryConfig> dns;  // replaces `instances`
};

// Every target's discovery (the cluster library's static lists and DNS), merged into one map of
// instance → role; an instance listed under two roles keeps the first. Callbacks and start() run on
// the io_context's thread (call start() from there); stop() from any thread.
class TargetSet {
public:
    using OnChange = std::function<void(const std::map<std::string, std::string>& role_by_instance)>;

    TargetSet(boost::asio::io_context& io, std::vector<TargetConfig> targets, Logger log,
              cluster::Resolver resolver = cluster::system_resolver());
    ~TargetSet();
    TargetSet(const TargetSet&) = delete;
    TargetSet& operator=(const TargetSet&) = delete;

    void start(OnChange on_change);
    void stop();

private:
    void publish();

    std::vector<TargetConfig> targets_;
    Logger log_;
    std::vector<std::unique_ptr<cluster::Discovery>> discoveries_;
    std::vector<std::vector<cluster::Endpoint>> found_;  // per target
    OnChange on_change_;
};

}  // namespace vg::services::monitor
