// The only translation unit that instantiates Beast for URL fetching; the header stays free of it.
#include "net/url_fetcher.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <future>
#include <limits>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "net/url.hpp"

namespace vg::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;

constexpr std::size_t kMaxUrlInMessage = 300;

// What is sent: a GET without a body, or a POST with `body` and extra headers.
struct Outgoing {
    std::optional<std::string> body;
    std::vector<std::pair<std::string, std::string>> headers;
};

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The URL as it may appear in a message or log: without user info (a password), and bounded in length.
std::string display_url(std::string_view text) {
    std::string out(text);
    const auto start = out.find("://");
    if (start != std::string::npos) {
        const auto authority_begin = start + 3;
        const auto authority_end = std::min(out.find_first_of("/?#", authority_begin), out.size());
        const auto at = out.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
        if (at != std::string::npos && at >= authority_begin) out.erase(authority_begin, at + 1 - authority_begin);
    }
    if (out.size() > kMaxUrlInMessage) out = out.substr(0, kMaxUrlInMessage) + "...";
    return out;
}

[[noreturn]] void fail(std::string code, std::string_view url, std::string_view why) {
    throw ClientError(std::move(code), "cannot fetch '" + display_url(url) + "': " + std::string(why));
}

bool host_allowed(const std::string& host, const std::vector<std::string>& allowed) {
    for (const auto& entry : allowed) {
        std::string pattern = to_lower(entry);
        if (pattern.size() > 2 && pattern.front() == '[' && pattern.back() == ']') {
            pattern = pattern.substr(1, pattern.size() - 2);
        }
        if (pattern.size() > 2 && pattern.compare(0, 2, "*.") == 0) {
            const std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
            if (host.size() > suffix.size() && std::string_view(host).substr(host.size() - suffix.size()) == suffix) {
                return true;
            }
        } else if (host == pattern) {
            return true;
        }
    }
    return false;
}

// Scheme, user info and host allowlist, in that order, before anything touches the network.
Url check_url(const std::string& text, const FetchPolicy& policy) {
    const auto colon = text.find(':');
    const std::string scheme = to_lower(std::string_view(text).substr(0, colon));
    const bool scheme_ok =
        colon != std::string::npos && !scheme.empty() && std::isalpha(static_cast<unsigned char>(scheme[0])) &&
        std::all_of(scheme.begin(), scheme.end(),
                    [](unsigned char c) { return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.'; });
    if (!scheme_ok) fail("url_invalid", text, "not an absolute URL");
    if (std::find(policy.schemes.begin(), policy.schemes.end(), scheme) == policy.schemes.end() ||
        (scheme != "http" && scheme != "https")) {
        fail("url_scheme_not_allowed", text, "scheme '" + scheme + "' is not allowed");
    }
    if (text.compare(colon, 3, "://") != 0) fail("url_invalid", text, "expected " + scheme + "://host");
    const auto authority_begin = colon + 3;
    const auto authority_end = std::min(text.find_first_of("/?#", authority_begin), text.size());
    if (text.find('@', authority_begin) < authority_end) fail("url_invalid", text, "user info is not allowed");

    Url url;
    try {
        url = parse_url(text);
    } catch (const ClientError& e) {
        fail("url_invalid", text, e.what());
    }
    if (policy.allowed_hosts.empty()) fail("url_host_not_allowed", text, "fetching by URL is disabled");
    if (!host_allowed(url.host, policy.allowed_hosts)) {
        fail("url_host_not_allowed", text, "host '" + url.host + "' is not on the allowlist");
    }
    return url;
}

// A Location header made absolute against the URL that answered with it.
std::string resolve_location(const Url& base, const std::string& location) {
    const auto colon = location.find(':');
    if (colon != std::string::npos && colon < location.find_first_of("/?#")) return location;  // has a scheme
    const std::string origin = base.scheme + "://" + base.host_header();
    if (location.compare(0, 2, "//") == 0) return base.scheme + ":" + location;
    if (!location.empty() && location.front() == '/') return origin + location;
    const std::string path = base.target.substr(0, base.target.find('?'));
    if (!location.empty() && location.front() == '?') return origin + path + location;
    return origin + path.substr(0, path.rfind('/') + 1) + location;
}

// Runs on an io thread, where an exception must not escape.
void close_quietly(tcp::socket& socket) {
    error_code ignored;
    socket.close(ignored);
}

struct HopResult {
    std::optional<std::string> location;  // set for a redirect
    std::string content_type;
    std::string body;
};

// Runs `start(done)` on the strand and blocks until it calls done(ec). Past the deadline, runs `cancel` on the
// strand, waits until the operation has finished (so nothing it refers to dies under it) and throws url_timeout.
template <class Start, class Cancel>
error_code await(const Strand& strand, Clock::time_point deadline, const std::string& url, std::string_view step,
                 Start start, Cancel cancel) {
    std::promise<error_code> done;
    auto finished = done.get_future();
    asio::post(strand, [&] { start([&done](error_code ec) { done.set_value(ec); }); });
    if (finished.wait_until(deadline) == std::future_status::timeout) {
        std::promise<void> cancelled;
        asio::post(strand, [&] {
            cancel();
            cancelled.set_value();
        });
        cancelled.get_future().wait();
        finished.wait();
        fail("url_timeout", url, "no complete answer within the time limit (during " + std::string(step) + ")");
    }
    return finished.get();
}

}  // namespace

class UrlFetcher::Impl {
public:
    Impl(asio::io_context& io, FetchPolicy policy, FetchHooks hooks)
        : io_(io), policy_(std::move(policy)), hooks_(std::move(hooks)), tls_(asio::ssl::context::tls_client) {
        tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        tls_.set_verify_mode(asio::ssl::verify_peer);
        error_code ec;
        tls_.set_default_verify_paths(ec);  // without a system store every https fetch fails verification
    }

    FetchResult fetch(const std::string& first_url) {
        const auto deadline = Clock::now() + policy_.timeout;
        const Outgoing get;
        std::string current = first_url;
        for (int redirects = 0;; ++redirects) {
            const Url url = check_url(current, policy_);
            const auto addresses = resolve(url, current, deadline);
            HopResult hop = exchange(url, addresses, current, get, deadline);
            if (!hop.location)
                return FetchResult{std::move(hop.body), std::move(hop.content_type), display_url(current)};
            if (redirects >= policy_.max_redirects) {
                fail("url_too_many_redirects", first_url,
                     "more than " + std::to_string(policy_.max_redirects) + " redirects (last to '" +
                         display_url(resolve_location(url, *hop.location)) + "')");
            }
            current = resolve_location(url, *hop.location);
        }
    }

    FetchResult post(const std::string& text, const Outgoing& out) {
        const auto deadline = Clock::now() + policy_.timeout;
        const Url url = check_url(text, policy_);
        const auto addresses = resolve(url, text, deadline);
        HopResult hop = exchange(url, addresses, text, out, deadline);
        return FetchResult{std::move(hop.body), std::move(hop.content_type), display_url(text)};
    }

private:
    // Every address the name resolves to must pass, not just the one we would connect to first.
    std::vector<tcp::endpoint> resolve(const Url& url, const std::string& text, Clock::time_point deadline) {
        std::vector<asio::ip::address> addresses;
        error_code ec;
        const auto literal = asio::ip::make_address(url.host, ec);
        if (!ec) {
            addresses.push_back(literal);
        } else if (hooks_.resolve) {
            try {
                addresses = hooks_.resolve(url.host);
            } catch (const std::exception& e) {
                fail("url_fetch_failed", text, "cannot resolve '" + url.host + "': " + e.what());
            }
        } else {
            const Strand strand = asio::make_strand(io_);
            tcp::resolver resolver(strand);
            tcp::resolver::results_type results;
            ec = await(
                strand, deadline, text, "resolve",
                [&](auto done) {
                    resolver.async_resolve(url.host, std::to_string(url.port),
                                           [&, done](error_code e, tcp::resolver::results_type r) {
                                               results = std::move(r);
                                               done(e);
                                           });
                },
                [&] { resolver.cancel(); });
            if (ec) fail("url_fetch_failed", text, "cannot resolve '" + url.host + "': " + ec.message());
            for (const auto& entry : results) addresses.push_back(entry.endpoint().address());
        }
        if (addresses.empty()) fail("url_fetch_failed", text, "'" + url.host + "' has no address");
        std::vector<tcp::endpoint> endpoints;
        for (const auto& address : addresses) {
            if (!policy_.allow_private_addresses &&
                (hooks_.is_forbidden ? hooks_.is_forbidden(address) : is_forbidden_address(address))) {
                fail("url_address_not_allowed", text,
                     "'" + url.host + "' resolves to " + address.to_string() + ", a private or reserved address");
            }
            endpoints.emplace_back(address, url.port);
        }
        return endpoints;
    }

    // Connects to the checked endpoints only (never to the name again), then one request and one response.
    HopResult exchange(const Url& url, const std::vector<tcp::endpoint>& endpoints, const std::string& text,
                       const Outgoing& out, Clock::time_point deadline) {
        const Strand strand = asio::make_strand(io_);
        if (!url.is_tls()) {
            tcp::socket socket(strand);
            connect(socket, endpoints, strand, text, deadline);
            return request(socket, socket, url, strand, text, out, deadline);
        }
        asio::ssl::stream<tcp::socket> stream(strand, tls_);
        connect(stream.next_layer(), endpoints, strand, text, deadline);
        // SNI carries names only; an IP literal is verified against the certificate's IP entries.
        error_code not_literal;
        asio::ip::make_address(url.host, not_literal);
        if (not_literal) {
            // SSL_set_tlsext_host_name() minus its macro's C-style cast.
            SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(url.host.c_str()));
        }
        stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
        const auto ec = await(
            strand, deadline, text, "TLS handshake",
            [&](auto done) {
                stream.async_handshake(asio::ssl::stream_base::client, [done](error_code e) { done(e); });
            },
            [&] { close_quietly(stream.next_layer()); });
        if (ec) fail("url_fetch_failed", text, "TLS handshake failed: " + ec.message());
        return request(stream, stream.next_layer(), url, strand, text, out, deadline);
    }

    void connect(tcp::socket& socket, const std::vector<tcp::endpoint>& endpoints, const Strand& strand,
                 const std::string& text, Clock::time_point deadline) {
        const auto ec = await(
            strand, deadline, text, "connect",
            [&](auto done) {
                asio::async_connect(socket, endpoints, [done](error_code e, const tcp::endpoint&) { done(e); });
            },
            [&] { close_quietly(socket); });
        if (ec) fail("url_fetch_failed", text, "cannot connect: " + ec.message());
    }

    template <class Stream>
    HopResult request(Stream& stream, tcp::socket& socket, const Url& url, const Strand& strand,
                      const std::string& text, const Outgoing& out, Clock::time_point deadline) {
        const auto close = [&] { close_quietly(socket); };
        http::request<http::string_body> req{out.body ? http::verb::post : http::verb::get, url.target, 11};
        req.set(http::field::host, url.host_header());
        req.set(http::field::user_agent, "visiongrid");
        req.set(http::field::accept, "*/*");
        req.set(http::field::connection, "close");
        if (out.body) {
            for (const auto& [name, value] : out.headers) req.set(name, value);
            req.body() = *out.body;
            req.prepare_payload();
        }
        auto ec = await(
            strand, deadline, text, "write",
            [&](auto done) { http::async_write(stream, req, [done](error_code e, std::size_t) { done(e); }); }, close);
        if (ec) fail("url_fetch_failed", text, "cannot send the request: " + ec.message());

        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        // Judged below, once the status says whether the body matters. Not boost::none: Beast 1.74 compares the
        // Content-Length against the optional itself, and any value is greater than none.
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        ec = await(
            strand, deadline, text, "response header",
            [&](auto done) {
                http::async_read_header(stream, buffer, parser, [done](error_code e, std::size_t) { done(e); });
            },
            close);
        if (ec) fail("url_fetch_failed", text, "no valid response: " + ec.message());

        const auto& head = parser.get();
        const int status = static_cast<int>(head.result_int());
        HopResult result;
        if (out.body) {
            // A POST is delivered or not: any 2xx is success, and a redirect is not followed (it would
            // turn into a GET or resend the body somewhere the caller never named).
            if (status < 200 || status > 299) fail("url_fetch_failed", text, "status " + std::to_string(status));
        } else if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
            const auto location = head.find(http::field::location);
            if (location == head.end() || location->value().empty()) {
                fail("url_fetch_failed", text, "status " + std::to_string(status) + " without a Location");
            }
            result.location = std::string(location->value());
            return result;
        }
        if (!out.body && status != 200) fail("url_fetch_failed", text, "status " + std::to_string(status));
        const auto limit = static_cast<std::uint64_t>(policy_.max_bytes);
        if (const auto length = parser.content_length(); length && *length > limit) {
            fail("url_too_large", text,
                 "Content-Length " + std::to_string(*length) + " is over the limit of " + std::to_string(limit) +
                     " bytes");
        }
        parser.body_limit(limit);
        if (!parser.is_done()) {
            ec = await(
                strand, deadline, text, "response body",
                [&](auto done) {
                    http::async_read(stream, buffer, parser, [done](error_code e, std::size_t) { done(e); });
                },
                close);
            if (ec == http::error::body_limit) {
                fail("url_too_large", text, "body is over the limit of " + std::to_string(limit) + " bytes");
            }
            if (ec) fail("url_fetch_failed", text, "body not read: " + ec.message());
        }
        if (const auto type = head.find(http::field::content_type); type != head.end()) {
            result.content_type = std::string(type->value());
        }
        result.body = parser.release().body();
        return result;
    }

    asio::io_context& io_;
    const FetchPolicy policy_;
    const FetchHooks hooks_;
    asio::ssl::context tls_;
};

UrlFetcher::UrlFetcher(asio::io_context& io, FetchPolicy policy, FetchHooks hooks)
    : impl_(std::make_unique<Impl>(io, std::move(policy), std::move(hooks))) {}

UrlFetcher::~UrlFetcher() = default;

void check_fetch_url(const std::string& url, const FetchPolicy& policy) {
    check_url(url, policy);
}

FetchResult UrlFetcher::fetch(const std::string& url) {
    return impl_->fetch(url);
}

FetchResult UrlFetcher::post(const std::string& url, std::string body,
                             std::vector<std::pair<std::string, std::string>> headers) {
    return impl_->post(url, Outgoing{std::move(body), std::move(headers)});
}

}  // namespace vg::net
