#include "services/gateway/authenticator.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace vg::services::gateway {

namespace {

std::vector<ApiKeyEntry> entries_of(const AuthConfig& config) {
    std::vector<ApiKeyEntry> entries;
    for (const auto& key : config.api_keys) entries.push_back(key.entry);
    return entries;
}

bool looks_like_jwt(std::string_view token) { return std::count(token.begin(), token.end(), '.') == 2; }

}  // namespace

Authenticator::Authenticator(const AuthConfig& config)
    : keys_(entries_of(config)), jwt_rate_limit_(config.jwt_rate_limit) {
    for (const auto& key : config.api_keys) key_limits_.push_back({key.entry.name, key.rate_limit});
    if (config.jwt) jwt_ = std::make_unique<JwtVerifier>(*config.jwt);
}

std::variant<Principal, AuthFailure> Authenticator::authenticate(const net::Request& request,
                                                                 std::chrono::system_clock::time_point now) const {
    std::string_view credential;
    if (auto header = request.headers.get("Authorization")) {
        constexpr std::string_view kBearer = "Bearer ";
        if (header->size() <= kBearer.size() || !net::iequals(header->substr(0, kBearer.size()), kBearer)) {
            return AuthFailure{401, "unauthenticated", "Authorization must be 'Bearer <API key or token>'"};
        }
        credential = trim(header->substr(kBearer.size()), " \t");
    } else if (auto key = request.headers.get("X-API-Key"); key && !trim(*key, " \t").empty()) {
        credential = trim(*key, " \t");
    } else {
        return AuthFailure{401, "unauthenticated", "this route needs an API key or a bearer token"};
    }
    if (looks_like_jwt(credential)) {
        if (!jwt_) return AuthFailure{401, "invalid_token", "bearer tokens are not accepted here (no JWT keys configured)"};
        try {
            JwtClaims claims = jwt_->verify(credential, now);
            return Principal{"jwt:" + claims.subject, std::move(claims.scopes), jwt_rate_limit_};
        } catch (const JwtError& e) {
            return AuthFailure{401, e.code(), e.what()};
        }
    }
    auto identity = keys_.verify(credential);
    if (!identity) return AuthFailure{401, "invalid_api_key", "the API key is not valid"};
    std::optional<cluster::RateLimit> limit;
    for (const auto& key : key_limits_) {
        if (key.name == identity->name) limit = key.limit;
    }
    return Principal{identity->name, std::move(identity->scopes), limit};
}

bool Authenticator::has_scope(const Principal& principal, const std::vector<std::string>& required) {
    if (required.empty()) return true;
    for (const auto& scope : required) {
        if (std::find(principal.scopes.begin(), principal.scopes.end(), scope) != principal.scopes.end()) return true;
    }
    return std::find(principal.scopes.begin(), principal.scopes.end(), "*") != principal.scopes.end();
}

}  // namespace vg::services::gateway
