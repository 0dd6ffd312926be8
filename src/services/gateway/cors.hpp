#pragma once

#include <optional>

#include "net/request.hpp"
#include "services/gateway/gateway_config.hpp"

namespace vg::services::gateway {

// Cross-origin access for browser clients (the web console served from another origin).
// Immutable after construction: thread-safe.
class Cors {
public:
    explicit Cors(CorsConfig config);

    bool enabled() const { return !config_.allowed_origins.empty(); }
    // The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method); nullopt
    // when the request is not one. A preflight from an origin not allowed gets 403.
    std::optional<net::Response> preflight(const net::Request& request) const;
    // Adds the CORS headers an actual response needs when the request's Origin is allowed.
    void decorate(const net::Request& request, net::Headers& headers) const;

private:
    bool allowed(std::string_view origin) const;

    CorsConfig config_;
    std::string methods_;
    std::string headers_;
    std::string exposed_;
};

}  // namespace vg::services::gateway
