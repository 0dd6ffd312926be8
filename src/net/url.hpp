#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vg::net {

// An absolute http(s) URL split into what a client needs to open a connection and write a request line.
struct Url {
    std::string scheme;      // "http" or "https", lower-case
    std::string host;        // lower-case; IPv6 literals without brackets
    std::uint16_t port = 0;  // explicit, or 80/443 by scheme
    std::string target;      // path and query as sent on the request line; at least "/"

    bool is_tls() const { return scheme == "https"; }
    bool is_ipv6_literal() const { return host.find(':') != std::string::npos; }
    // The Host header value: brackets for IPv6, the port only when it is not the scheme's default.
    std::string host_header() const;
    // "scheme://host:port": the connection-pool key.
    std::string origin() const;
};

// Throws vg::ClientError("invalid_url", ...) for anything but an absolute http/https URL with a host.
// User info ("user:pass@") is rejected rather than silently dropped; a fragment is dropped (never sent).
Url parse_url(std::string_view text);

}  // namespace vg::net
