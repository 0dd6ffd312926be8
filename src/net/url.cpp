#include "net/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.hpp"

namespace vg::net {
namespace {

[[noreturn]] void invalid(std::string_view text, std::string_view why) {
    throw ClientError("invalid_url", "invalid URL '" + std::string(text) + "': " + std::string(why));
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_reg_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_ipv6_char(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

// Anything that could split or corrupt the request line is refused here rather than sent.
bool is_target_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f;
}

std::uint16_t default_port(std::string_view scheme) {
    return scheme == "https" ? 443 : 80;
}

}  // namespace

std::string Url::host_header() const {
    std::string out = is_ipv6_literal() ? "[" + host + "]" : host;
    if (port != default_port(scheme)) out += ":" + std::to_string(port);
    return out;
}

std::string Url::origin() const {
    return scheme + "://" + (is_ipv6_literal() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Url parse_url(std::string_view text) {
    Url url;
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) invalid(text, "expected scheme://host");
    url.scheme = to_lower(text.substr(0, scheme_end));
    if (url.scheme != "http" && url.scheme != "https") invalid(text, "scheme must be http or https");

    std::string_view rest = text.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) invalid(text, "user info is not supported");

    std::string_view host;
    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) invalid(text, "unterminated IPv6 literal");
        host = authority.substr(1, close - 1);
        if (host.empty() || !std::all_of(host.begin(), host.end(), is_ipv6_char) ||
            host.find(':') == std::string_view::npos) {
            invalid(text, "bad IPv6 literal");
        }
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') invalid(text, "unexpected characters after IPv6 literal");
            has_port = true;
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            has_port = true;
            port_text = authority.substr(colon + 1);
        }
        if (host.empty()) invalid(text, "missing host");
        if (!std::all_of(host.begin(), host.end(), is_reg_name_char)) invalid(text, "bad character in host");
    }
    url.host = to_lower(host);

    url.port = default_port(url.scheme);
    if (has_port) {
        unsigned value = 0;
        const char* first = port_text.data();
        const char* last = first + port_text.size();
        const auto [ptr, ec] = std::from_chars(first, last, value);
        if (port_text.empty() || ec != std::errc() || ptr != last || value == 0 || value > 65535) {
            invalid(text, "port must be 1-65535");
        }
        url.port = static_cast<std::uint16_t>(value);
    }

    tail = tail.substr(0, tail.find('#'));
    if (!std::all_of(tail.begin(), tail.end(), is_target_char)) invalid(text, "whitespace or control character");
    if (tail.empty()) {
        url.target = "/";
    } else if (tail.front() == '?') {
        url.target = "/" + std::string(tail);
    } else {
        url.target = std::string(tail);
    }
    return url;
}

}  // namespace vg::net
