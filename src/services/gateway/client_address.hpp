#pragma once

#include <string>
#include <vector>

#include "net/request.hpp"

namespace vg::services::gateway {

// The address of the client a request comes from: the TCP peer, or, when that peer is one of
// `trusted_proxies` (a load balancer in front of the gateway), the right-most X-Forwarded-For entry
// that is not itself a trusted proxy. Entries a client wrote further left are never believed.
std::string client_address(const net::Request& request, const std::vector<std::string>& trusted_proxies);

// The address part of "1.2.3.4:5678" or "[::1]:5678".
std::string peer_host(std::string_view peer);

}  // namespace vg::services::gateway
