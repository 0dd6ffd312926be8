#include "net/ip_ranges.hpp"

#include <array>
#include <cstdint>

namespace vg::net {
namespace {

namespace ip = boost::asio::ip;

struct V4Range {
    std::uint32_t base;
    int prefix;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

constexpr std::array kForbiddenV4{
    V4Range{v4(0, 0, 0, 0), 8},        // "this network"
    V4Range{v4(10, 0, 0, 0), 8},       // RFC 1918
    V4Range{v4(100, 64, 0, 0), 10},    // CGNAT
    V4Range{v4(127, 0, 0, 0), 8},      // loopback
    V4Range{v4(169, 254, 0, 0), 16},   // link-local, cloud metadata
    V4Range{v4(172, 16, 0, 0), 12},    // RFC 1918
    V4Range{v4(192, 0, 0, 0), 24},     // IETF protocol assignments
    V4Range{v4(192, 0, 2, 0), 24},     // TEST-NET-1
    V4Range{v4(192, 88, 99, 0), 24},   // 6to4 relay anycast
    V4Range{v4(192, 168, 0, 0), 16},   // RFC 1918
    V4Range{v4(198, 18, 0, 0), 15},    // benchmarking
    V4Range{v4(198, 51, 100, 0), 24},  // TEST-NET-2
    V4Range{v4(203, 0, 113, 0), 24},   // TEST-NET-3
    V4Range{v4(224, 0, 0, 0), 4},      // multicast
    V4Range{v4(240, 0, 0, 0), 4},      // reserved, broadcast
};

bool is_forbidden_v4(std::uint32_t a) {
    for (const auto& range : kForbiddenV4) {
        const std::uint32_t mask = ~std::uint32_t{0} << (32 - range.prefix);
        if ((a & mask) == range.base) return true;
    }
    return false;
}

std::uint32_t v4_at(const ip::address_v6::bytes_type& b, std::size_t i) {
    return (std::uint32_t{b[i]} << 24) | (std::uint32_t{b[i + 1]} << 16) | (std::uint32_t{b[i + 2]} << 8) |
           std::uint32_t{b[i + 3]};
}

bool all_zero(const ip::address_v6::bytes_type& b, std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) {
        if (b[i] != 0) return false;
    }
    return true;
}

bool is_forbidden_v6(const ip::address_v6& address) {
    const auto b = address.to_bytes();
    // ::/96 holds ::, ::1 and the deprecated IPv4-compatible form: nothing a public fetch needs.
    if (all_zero(b, 0, 12)) return true;
    // ::ffff:a.b.c.d (mapped) reaches the IPv4 address itself.
    if (all_zero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff) return is_forbidden_v4(v4_at(b, 12));
    // 64:ff9b::/96 NAT64: judged by the IPv4 address it translates to.
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && all_zero(b, 4, 12)) {
        return is_forbidden_v4(v4_at(b, 12));
    }
    // 2002::/16 6to4: the IPv4 address sits in bits 16-47.
    if (b[0] == 0x20 && b[1] == 0x02) return is_forbidden_v4(v4_at(b, 2));
    if ((b[0] & 0xfe) == 0xfc) return true;                                         // fc00::/7 unique local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;                         // fe80::/10 link-local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;                         // fec0::/10 site-local (deprecated)
    if (b[0] == 0xff) return true;                                                  // ff00::/8 multicast
    if (b[0] == 0x01 && b[1] == 0x00 && all_zero(b, 2, 8)) return true;             // 100::/64 discard
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32 docs
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return true;  // 2001::/32 Teredo
    return false;
}

}  // namespace

bool is_forbidden_address(const ip::address& address) {
    if (address.is_v4()) return is_forbidden_v4(address.to_v4().to_uint());
    return is_forbidden_v6(address.to_v6());
}

}  // namespace vg::net
