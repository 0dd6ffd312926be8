#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/endpoint.hpp"

// Keep Asio out of this header: forward-declare what the constructor names.
namespace boost::asio {
class io_context;
}

namespace vg::cluster {

using EndpointsCallback = std::function<void(std::vector<Endpoint>)>;

// The source of an upstream's instances: a fixed list from configuration, or DNS.
//
// start() delivers the first list (possibly empty) and then every change, each time the complete
// list. Callbacks are serialised (never concurrent) and arrive on the io_context's thread or inside
// start(). stop() ends updates: once it returns no callback runs (called from inside a callback it
// returns at once and that callback is the last). Implementations are started at most once; stop()
// is final and idempotent, and the destructor stops.
class Discovery {
public:
    virtual ~Discovery();
    virtual void start(EndpointsCallback on_change) = 0;
    virtual void stop() = 0;
};

// A fixed list: delivered once, inside start(). Thread-safe.
class StaticDiscovery final : public Discovery {
public:
    explicit StaticDiscovery(std::vector<Endpoint> endpoints);
    void start(EndpointsCallback on_change) override;
    void stop() override {}

private:
    std::vector<Endpoint> endpoints_;
};

struct DnsDiscoveryConfig {
    std::string name;  // resolved as is: "detector" (Compose service), "detector.ns.svc.cluster.local"
    unsigned short port = 0;
    int weight = 1;  // given to every discovered endpoint
    std::chrono::milliseconds refresh_interval{5000};
};

// Throws std::invalid_argument naming the field: empty name, port 0, refresh_interval not above 0.
void validate_dns_discovery_config(const DnsDiscoveryConfig& config);

// Blocking lookup of a name to numeric addresses ("10.0.0.7", "fd00::7"). Throws std::runtime_error
// (or anything derived from std::exception) when the name cannot be resolved.
using Resolver = std::function<std::vector<std::string>(const std::string& name)>;

// getaddrinfo (AF_UNSPEC, SOCK_STREAM) in the order it returns, duplicates removed. Thread-safe.
Resolver system_resolver();

// Re-resolves `name` every refresh_interval and publishes one endpoint per address, all with the
// configured port and weight: how Docker Compose replicas and Kubernetes headless Services are found.
//
// The list is sorted, so a DNS server rotating its answers is not a change, and only actual changes
// are published. The first outcome is always published: the addresses, or an empty list when the
// first lookup fails. After that a failed lookup keeps the last good list (a name that briefly fails
// to resolve must not empty the pool); each failure is counted (resolution_failures()) and passed to
// on_error, serialised with on_change on the io_context's thread. A lookup that succeeds with no
// addresses is published as an empty list: that is DNS saying there are none.
//
// The resolver blocks, so it runs on a thread of the discovery's own, never on the io_context; the
// next lookup starts refresh_interval after the previous one returned. Results are posted to `io`,
// which must be running for callbacks to arrive and must outlive the discovery.
//
// Thread-safety: start(), stop() and resolution_failures() may be called from any thread. stop()
// waits for a lookup in progress to return (getaddrinfo is bounded by resolv.conf's timeouts), so the
// resolver and the callbacks may refer to objects that die right after stop(). Exceptions thrown by
// on_change are caught and reported to on_error; those thrown by on_error are dropped.
class DnsDiscovery final : public Discovery {
public:
    // Throws std::invalid_argument on a bad config (validate_dns_discovery_config).
    DnsDiscovery(boost::asio::io_context& io, DnsDiscoveryConfig config, Resolver resolver = system_resolver(),
                 std::function<void(const std::string& error)> on_error = {});
    ~DnsDiscovery() override;
    DnsDiscovery(const DnsDiscovery&) = delete;
    DnsDiscovery& operator=(const DnsDiscovery&) = delete;

    // Throws std::logic_error if called twice or after stop().
    void start(EndpointsCallback on_change) override;
    void stop() override;

    std::uint64_t resolution_failures() const;

private:
    class State;  // shared with the lookup thread and posted handlers, so it outlives both
    std::shared_ptr<State> state_;
};

}  // namespace vg::cluster
