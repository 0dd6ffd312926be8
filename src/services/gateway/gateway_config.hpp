#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/rate_limiter.hpp"
#include "cluster/redis_rate_limiter.hpp"
#include "cluster/token_bucket.hpp"
#include "cluster/upstream_config.hpp"
#include "core/config_node.hpp"
#include "net/server_config.hpp"
#include "services/gateway/api_keys.hpp"
#include "services/gateway/jwt.hpp"

namespace vg::services::gateway {

// How a route picks the consistent-hashing key for its upstream.
struct AffinityConfig {
    enum class Source { kNone, kBody, kClientIp, kHeader };
    Source source = Source::kNone;
    std::string header;  // for kHeader
};

// One entry of `gateway.routes`: requests whose path starts with `prefix` go to `upstream`.
struct RouteConfig {
    std::string name;
    std::string prefix;             // "/api/model/"; the longest matching prefix wins
    std::string upstream;
    std::optional<std::string> rewrite;  // replaces the prefix before forwarding ("" strips it)
    std::vector<std::string> methods;    // empty: any
    std::chrono::milliseconds timeout{30'000};  // overall, retries included
    std::optional<ByteSize> body_limit;         // the server's limit when unset
    bool auth_required = true;
    std::vector<std::string> scopes;  // the caller needs at least one of them; empty: any authenticated caller
    cluster::RetryConfig retry;       // the upstream's policy unless the route overrides it
    AffinityConfig affinity;
};

struct ApiKeyConfig {
    ApiKeyEntry entry;                              // name, salted hash, scopes
    std::optional<cluster::RateLimit> rate_limit;   // the default per-key limit when unset
};

struct AuthConfig {
    std::vector<ApiKeyConfig> api_keys;
    std::optional<JwtConfig> jwt;
    std::optional<cluster::RateLimit> jwt_rate_limit;  // per token subject
};

struct RateLimitsConfig {
    std::string backend = "local";  // local | redis
    cluster::RedisConfig redis;
    bool fail_open = true;           // Redis unreachable: let requests through (and log it)
    std::optional<cluster::RateLimit> per_ip;       // before authentication; off when unset
    std::optional<cluster::RateLimit> per_key;      // default for keys and tokens without their own
    std::vector<std::string> trusted_proxies;       // peers whose X-Forwarded-For names the client
};

struct CorsConfig {
    std::vector<std::string> allowed_origins;  // exact origins, or "*"; empty: CORS off
    std::vector<std::string> allowed_methods{"GET", "POST", "PUT", "DELETE", "OPTIONS"};
    std::vector<std::string> allowed_headers{"Authorization", "Content-Type", "X-API-Key", "X-Request-Id"};
    std::vector<std::string> exposed_headers{"X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining",
                                             "X-RateLimit-Reset", "Retry-After"};
    std::chrono::milliseconds max_age{600'000};
};

struct GatewayConfig {
    net::ServerConfig server;
    std::size_t client_threads = 2;  // I/O threads for upstream calls and health checks
    std::map<std::string, cluster::UpstreamConfig> upstreams;
    std::map<std::string, std::string> upstream_fingerprints;  // to keep unchanged pools across reloads
    std::vector<RouteConfig> routes;
    AuthConfig auth;
    RateLimitsConfig rate_limits;
    CorsConfig cors;
};

// Throws ConfigError naming the full path of anything wrong, including routes naming unknown
// upstreams, duplicate prefixes and malformed key hashes or JWT keys.
GatewayConfig parse_gateway_config(ConfigNode node);

}  // namespace vg::services::gateway
