#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "cluster/token_bucket.hpp"
#include "net/request.hpp"
#include "services/gateway/gateway_config.hpp"

namespace vg::services::gateway {

// Who is calling, once their credentials checked out.
struct Principal {
    std::string name;  // API key name, or "jwt:<subject>"
    std::vector<std::string> scopes;
    std::optional<cluster::RateLimit> rate_limit;  // their own limit, if configured
};

// Why a request was refused: 401 for missing or bad credentials, 403 for a missing scope.
struct AuthFailure {
    int status = 401;
    std::string code;
    std::string message;
};

// Checks `Authorization: Bearer <api key | JWT>` or `X-API-Key: <key>` against the configured keys
// and JWT verifier. Immutable after construction: thread-safe.
class Authenticator {
public:
    explicit Authenticator(const AuthConfig& config);

    // The caller, or why not.
    std::variant<Principal, AuthFailure> authenticate(const net::Request& request,
                                                      std::chrono::system_clock::time_point now) const;
    // True when `principal` holds one of `required` (or `required` is empty).
    static bool has_scope(const Principal& principal, const std::vector<std::string>& required);

private:
    struct KeyLimit {
        std::string name;
        std::optional<cluster::RateLimit> limit;
    };
    ApiKeyStore keys_;
    std::vector<KeyLimit> key_limits_;
    std::unique_ptr<JwtVerifier> jwt_;
    std::optional<cluster::RateLimit> jwt_rate_limit_;
};

}  // namespace vg::services::gateway
