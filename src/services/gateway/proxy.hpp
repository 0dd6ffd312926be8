#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cluster/upstream_call.hpp"
#include "cluster/upstream_pool.hpp"
#include "net/request.hpp"
#include "services/gateway/gateway_config.hpp"

namespace vg::services::gateway {

// One admitted request on its way upstream.
struct ProxyPlan {
    std::shared_ptr<cluster::UpstreamPool> pool;
    const RouteConfig* route = nullptr;  // must outlive the call (the caller keeps its config alive)
    net::Headers response_headers;       // added to the answer (rate-limit and CORS headers)
    std::string principal;               // passed upstream in X-VisionGrid-Principal
    std::string client_ip;
    bool tls = false;
};

// How the relay ended, for the access log and metrics.
struct ProxyOutcome {
    int status = 0;
    cluster::UpstreamResult upstream;
};

// Sends `request` to the plan's pool and relays the answer: buffered when the upstream gives a
// length (one write, Content-Length kept), streamed chunk by chunk otherwise (SSE passes through
// without waiting for the end). Failures before any byte reached the client become the platform's
// JSON errors (502/503/504); a client that leaves cancels the upstream call. `on_complete` runs once.
void forward(net::Request& request, std::shared_ptr<net::Exchange> exchange, ProxyPlan plan,
             std::function<void(const ProxyOutcome&)> on_complete);

// Hop-by-hop and framing fields a proxy must not copy from one connection to the next.
bool is_hop_by_hop(std::string_view name);

}  // namespace vg::services::gateway
