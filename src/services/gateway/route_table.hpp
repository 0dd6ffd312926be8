#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "services/gateway/gateway_config.hpp"

namespace vg::services::gateway {

// Finds the route for a request path: the longest configured prefix that matches at a segment
// boundary ("/api/results" matches "/api/results" and "/api/results/7", not "/api/resultsx").
// Immutable after construction: thread-safe.
class RouteTable {
public:
    explicit RouteTable(std::vector<RouteConfig> routes);

    // nullptr when no route matches.
    const RouteConfig* match(std::string_view path) const;
    const std::vector<RouteConfig>& routes() const { return routes_; }

    // The target (path + query) to send upstream: the route's prefix replaced by its rewrite.
    static std::string upstream_target(const RouteConfig& route, std::string_view target);

private:
    std::vector<RouteConfig> routes_;  // longest prefix first
};

// True when a decoded path holds a "." or ".." segment, an empty segment pair "//", a backslash or a
// NUL: shapes that upstreams may resolve differently from the gateway's prefix match.
bool is_suspicious_path(std::string_view decoded_path);

}  // namespace vg::services::gateway
