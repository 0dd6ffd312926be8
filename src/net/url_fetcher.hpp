#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/ip_ranges.hpp"

namespace boost::asio {
class io_context;
}

namespace vg::net {

// What a caller-supplied URL may reach. Any port is allowed: the host allowlist and the address check are the
// boundary, and blocking ports would not stop a caller from reaching a service on an allowed public host.
struct FetchPolicy {
    // Exact host names (or IP literals), or "*.example.com" for any name below example.com (not the apex itself).
    // Empty: nothing is allowed, fetching is off.
    std::vector<std::string> allowed_hosts;
    // Off: every resolved address must be public (see is_forbidden_address).
    bool allow_private_addresses = false;
    std::vector<std::string> schemes{"https", "http"};  // only http and https are supported at all
    std::size_t max_bytes = std::size_t{20} * 1024 * 1024;
    std::chrono::milliseconds timeout{10000};  // the whole fetch, redirects included
    int max_redirects = 3;
};

struct FetchResult {
    std::string body;
    std::string content_type;
    std::string final_url;  // after redirects
};

// Test seams. Empty members mean the real thing.
struct FetchHooks {
    // Name -> addresses, instead of DNS. Called on the fetching thread.
    std::function<std::vector<boost::asio::ip::address>(const std::string& host)> resolve;
    // Instead of is_forbidden_address (consulted only when allow_private_addresses is off).
    std::function<bool(const boost::asio::ip::address&)> is_forbidden;
};

// Throws what fetch() would for `url` itself (scheme, user info, host allowlist), without touching the
// network: for checking a URL when it is submitted rather than when it is used.
void check_fetch_url(const std::string& url, const FetchPolicy& policy);

// Fetches one resource by URL for a batch job without letting the caller reach internal services.
// Each hop (the URL and every redirect Location) is checked from scratch: scheme, no user info, host on the
// allowlist, then the host is resolved here and EVERY address checked before connecting to a checked address,
// never to the name again, so a name that flips to 127.0.0.1 between checks (DNS rebinding) cannot slip
// through. The Host header and TLS SNI/verification keep the original name.
//
// fetch() throws vg::ClientError with code url_invalid, url_scheme_not_allowed, url_host_not_allowed,
// url_address_not_allowed, url_too_many_redirects, url_too_large (Content-Length or streamed size over
// max_bytes, aborted early), url_timeout or url_fetch_failed (status other than 200 or 3xx-with-Location, connect
// or protocol error); the message names the URL (user info stripped) and the reason.
//
// Thread-safe: fetch() may be called from several threads at once. It blocks, and its I/O runs on `io`, which
// other threads must be running: never call it from an io thread of `io`.
class UrlFetcher {
public:
    UrlFetcher(boost::asio::io_context& io, FetchPolicy policy, FetchHooks hooks = {});
    ~UrlFetcher();
    UrlFetcher(const UrlFetcher&) = delete;
    UrlFetcher& operator=(const UrlFetcher&) = delete;

    FetchResult fetch(const std::string& url);
    // POSTs `body` with `headers` (Content-Type among them) under the same checks, for a webhook: any 2xx
    // succeeds; a redirect is not followed and, like any other status, fails with url_fetch_failed.
    FetchResult post(const std::string& url, std::string body, std::vector<std::pair<std::string, std::string>> headers);

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vg::net
