#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// OpenSSL's EVP_PKEY, declared here so that this header does not pull in OpenSSL.
struct evp_pkey_st;

namespace vg::services::gateway {

enum class JwtAlgorithm { kHS256, kRS256 };

// A key that may sign tokens. The algorithm belongs to the key and is never taken from a token's
// header: trusting the header is how "alg: none" and RS256-to-HS256 confusion attacks work.
struct JwtKey {
    std::string kid;  // empty: the key is only tried for tokens without a "kid" header
    JwtAlgorithm algorithm = JwtAlgorithm::kHS256;
    std::string secret;          // HS256: at least 32 bytes
    std::string public_key_pem;  // RS256: "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo), RSA >= 2048 bits
};

struct JwtConfig {
    std::vector<JwtKey> keys;
    std::string issuer;                  // empty: "iss" is not checked
    std::vector<std::string> audiences;  // empty: "aud" is not checked; else "aud" must contain one of them
    std::chrono::seconds leeway{30};     // clock skew allowed on "exp" and "nbf"
    bool require_exp = true;
};

struct JwtClaims {
    std::string subject;              // "sub"; empty when absent
    std::vector<std::string> scopes;  // "scope" (space-separated) or else "scp" (array, or space-separated)
    std::optional<std::chrono::system_clock::time_point> expires_at;
    nlohmann::json payload;  // every claim, for callers that need more
};

// Why a token was refused. Codes: token_malformed, token_algorithm_not_allowed, token_unknown_key,
// token_bad_signature, token_expired, token_not_yet_valid, token_wrong_issuer, token_wrong_audience.
class JwtError : public std::runtime_error {
public:
    JwtError(std::string code, std::string message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const noexcept { return code_; }

private:
    std::string code_;
};

// Verifies compact JWS tokens (RFC 7515/7519) signed with HS256 or RS256. Keys are parsed once here;
// afterwards the verifier is immutable, so verify() is safe from any number of threads at once.
class JwtVerifier {
public:
    // Throws std::invalid_argument for no keys, an HS256 secret under 32 bytes, an unparsable PEM,
    // a non-RSA or sub-2048-bit key for RS256, key material for the other algorithm, a duplicate
    // kid, or a negative leeway.
    explicit JwtVerifier(JwtConfig config);

    // Checks the signature first and reads claims only from a token that passed it. Throws JwtError.
    JwtClaims verify(std::string_view token, std::chrono::system_clock::time_point now) const;

    static constexpr std::size_t kMaxTokenSize = 8 * 1024;

private:
    struct PkeyDeleter {
        void operator()(evp_pkey_st* key) const noexcept;
    };
    struct LoadedKey {
        JwtKey config;
        std::unique_ptr<evp_pkey_st, PkeyDeleter> public_key;  // RS256 only
    };

    bool signature_matches(const LoadedKey& key, std::string_view signing_input, const std::string& signature) const;

    JwtConfig config_;
    std::vector<LoadedKey> keys_;
};

}  // namespace vg::services::gateway
