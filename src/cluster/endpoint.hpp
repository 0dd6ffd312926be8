#pragma once

#include <string>
#include <string_view>

namespace vg::cluster {

// An upstream address as configuration and discovery produce it, before the pool turns it into an
// Instance. A plain value: copy it freely.
struct Endpoint {
    std::string host;  // a name, an IPv4 literal, or an IPv6 literal without brackets
    unsigned short port = 0;
    int weight = 1;  // stored as given; balancers treat values below 1 as 1

    // "host:port", or "[v6]:port" for an IPv6 literal: the identity Instance::id, health checks and
    // outlier detection key on, and what goes after "http://" in a URL.
    std::string id() const;

    bool operator==(const Endpoint&) const = default;
};

// Parses "host:port" or "[v6]:port". The host is a DNS name or IPv4 literal (letters, digits, '-',
// '.', '_') or a bracketed IPv6 literal (hex digits, ':', '.'); the port is decimal, 1-65535.
// Throws std::invalid_argument quoting the text and saying what is wrong for anything else: a
// missing or invalid port, an empty host, an unbracketed IPv6 literal, stray characters.
Endpoint parse_endpoint(std::string_view text, int weight = 1);

}  // namespace vg::cluster
