#pragma once

#include <boost/asio/ip/address.hpp>

namespace vg::net {

// True for an address a server-side fetch must never reach on a caller's behalf: unspecified and "this network"
// (0.0.0.0/8, ::), loopback (127/8, ::1), RFC 1918, CGNAT (100.64/10), link-local (169.254/16, which holds the
// cloud metadata service, and fe80::/10), IETF/documentation/benchmark ranges, multicast, reserved (240/4,
// broadcast), ULA (fc00::/7), site-local (fec0::/10), and any IPv6 form that embeds an IPv4 address (mapped
// ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) when the embedded address is forbidden.
// Pure function; thread-safe.
bool is_forbidden_address(const boost::asio::ip::address& address);

}  // namespace vg::net
