#include "cluster/endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace vg::cluster {
namespace {

[[noreturn]] void invalid(std::string_view text, std::string_view why) {
    throw std::invalid_argument("invalid endpoint '" + std::string(text) + "': " + std::string(why) +
                                " (expected host:port or [ipv6]:port)");
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

unsigned short parse_port(std::string_view text, std::string_view port) {
    if (port.empty()) invalid(text, "missing port");
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec == std::errc::invalid_argument || end != port.data() + port.size())
        invalid(text, "port must be a decimal number");
    if (ec != std::errc() || value == 0 || value > 65535) invalid(text, "port must be in 1-65535");
    return static_cast<unsigned short>(value);
}

}  // namespace

std::string Endpoint::id() const {
    const std::string port_text = std::to_string(port);
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
    return host + ":" + port_text;
}

Endpoint parse_endpoint(std::string_view text, int weight) {
    Endpoint endpoint;
    endpoint.weight = weight;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) invalid(text, "unterminated '['");
        const std::string_view host = text.substr(1, close - 1);
        if (host.empty()) invalid(text, "empty host");
        if (host.find(':') == std::string_view::npos || !std::all_of(host.begin(), host.end(), is_ipv6_char))
            invalid(text, "brackets must hold an IPv6 address");
        const std::string_view rest = text.substr(close + 1);
        if (rest.empty() || rest.front() != ':') invalid(text, "missing port");
        endpoint.host = std::string(host);
        port = rest.substr(1);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) invalid(text, "missing port");
        const std::string_view host = text.substr(0, colon);
        if (host.empty()) invalid(text, "empty host");
        if (!std::all_of(host.begin(), host.end(), is_name_char)) {
            if (std::all_of(host.begin(), host.end(), is_ipv6_char))
                invalid(text, "an IPv6 address must be in brackets");
            invalid(text, "invalid character in host");
        }
        endpoint.host = std::string(host);
        port = text.substr(colon + 1);
    }
    endpoint.port = parse_port(text, port);
    return endpoint;
}

}  // namespace vg::cluster
