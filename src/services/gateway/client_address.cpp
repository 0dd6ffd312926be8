#include "services/gateway/client_address.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace vg::services::gateway {

namespace {

bool trusted(std::string_view host, const std::vector<std::string>& proxies) {
    return std::find(proxies.begin(), proxies.end(), host) != proxies.end();
}

}  // namespace

std::string peer_host(std::string_view peer) {
    if (peer.starts_with('[')) {
        auto close = peer.find(']');
        return std::string(peer.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    }
    auto colon = peer.rfind(':');
    if (colon != std::string_view::npos && peer.find(':') == colon) return std::string(peer.substr(0, colon));
    return std::string(peer);
}

std::string client_address(const net::Request& request, const std::vector<std::string>& trusted_proxies) {
    std::string host = peer_host(request.remote_address);
    if (trusted_proxies.empty() || !trusted(host, trusted_proxies)) return host;
    // Every X-Forwarded-For field, in order, as one list: a proxy may add its own field instead of
    // appending to the client's, and then only the last field holds the address it saw.
    std::string joined;
    for (const auto& [name, value] : request.headers) {
        if (net::iequals(name, "X-Forwarded-For")) joined += (joined.empty() ? "" : ",") + value;
    }
    std::string_view forwarded = joined;
    while (!forwarded.empty()) {
        auto comma = forwarded.rfind(',');
        std::string_view entry = trim(comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1), " \t");
        forwarded = comma == std::string_view::npos ? std::string_view{} : forwarded.substr(0, comma);
        if (entry.empty()) continue;
        if (!trusted(entry, trusted_proxies)) return std::string(entry);
        host = std::string(entry);
    }
    return host;
}

}  // namespace vg::services::gateway
