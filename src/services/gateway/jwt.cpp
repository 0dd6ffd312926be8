#include "services/gateway/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace vg::services::gateway {
namespace {

using Clock = std::chrono::system_clock;
using nlohmann::json;

constexpr std::size_t kMinHmacSecret = 32;
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kHs256Size = 32;
// About the year 2223. A time_point counts nanoseconds in 64 bits and ends in 2262, so NumericDates
// are clamped to this, leaving room to add the leeway; "never expires" tokens still verify.
constexpr double kMaxNumericDate = 8e9;

[[noreturn]] void fail(const char* code, std::string message) {
    throw JwtError(code, std::move(message));
}

const char* algorithm_name(JwtAlgorithm algorithm) {
    return algorithm == JwtAlgorithm::kHS256 ? "HS256" : "RS256";
}

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

// Strict RFC 7515 base64url: no padding, no whitespace, only the url-safe alphabet, and unused
// trailing bits must be zero, so each byte string has exactly one accepted encoding.
std::optional<std::string> decode_base64url(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        const int value = base64url_value(c);
        if (value < 0) return std::nullopt;
        buffer = (buffer << 6 | static_cast<std::uint32_t>(value)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

json decode_json_object(std::string_view segment, const char* what) {
    auto text = decode_base64url(segment);
    if (!text) fail("token_malformed", std::string(what) + " is not valid base64url");
    json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!value.is_object()) fail("token_malformed", std::string(what) + " is not a JSON object");
    return value;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

JwtAlgorithm parse_algorithm(const json& header) {
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string()) fail("token_malformed", "header has no string \"alg\"");
    const auto& name = alg->get_ref<const std::string&>();
    if (iequals(name, "none")) fail("token_algorithm_not_allowed", "unsigned tokens (alg none) are not accepted");
    if (name == "HS256") return JwtAlgorithm::kHS256;
    if (name == "RS256") return JwtAlgorithm::kRS256;
    fail("token_algorithm_not_allowed", "algorithm '" + name + "' is not accepted (HS256, RS256)");
}

// A NumericDate claim as a time point; nullopt when absent.
std::optional<Clock::time_point> numeric_date(const json& payload, const char* claim) {
    const auto it = payload.find(claim);
    if (it == payload.end()) return std::nullopt;
    if (!it->is_number()) fail("token_malformed", std::string("claim \"") + claim + "\" is not a number");
    const double seconds = std::clamp(it->get<double>(), -kMaxNumericDate, kMaxNumericDate);
    if (std::isnan(seconds)) fail("token_malformed", std::string("claim \"") + claim + "\" is not a number");
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
}

std::vector<std::string> split_scopes(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::vector<std::string> string_list(const json& value, const char* claim) {
    if (value.is_string()) return split_scopes(value.get_ref<const std::string&>());
    if (!value.is_array()) fail("token_malformed", std::string("claim \"") + claim + "\" is not a string or array");
    std::vector<std::string> out;
    for (const auto& item : value) {
        if (!item.is_string()) fail("token_malformed", std::string("claim \"") + claim + "\" has a non-string item");
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::vector<std::string> read_scopes(const json& payload) {
    if (const auto scope = payload.find("scope"); scope != payload.end()) {
        if (!scope->is_string()) fail("token_malformed", "claim \"scope\" is not a string");
        return split_scopes(scope->get_ref<const std::string&>());
    }
    if (const auto scp = payload.find("scp"); scp != payload.end()) return string_list(*scp, "scp");
    return {};
}

void check_audience(const json& payload, const std::vector<std::string>& accepted) {
    const auto aud = payload.find("aud");
    if (aud == payload.end()) fail("token_wrong_audience", "token has no \"aud\"");
    std::vector<std::string> presented;
    if (aud->is_string()) {
        presented.push_back(aud->get<std::string>());
    } else {
        presented = string_list(*aud, "aud");
    }
    for (const auto& a : presented) {
        for (const auto& b : accepted) {
            if (a == b) return;
        }
    }
    fail("token_wrong_audience", "token audience is not accepted here");
}

// Loads an RS256 public key, or throws std::invalid_argument naming the kid.
evp_pkey_st* load_rsa_public_key(const JwtKey& key) {
    const std::string where = "JWT key '" + key.kid + "': ";
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(key.public_key_pem.data(), static_cast<int>(key.public_key_pem.size())), &BIO_free);
    if (!bio) throw std::invalid_argument(where + "cannot read the PEM");
    EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    ERR_clear_error();
    if (pkey == nullptr)
        throw std::invalid_argument(where + "public_key_pem is not a PEM public key (BEGIN PUBLIC KEY)");
    if (!EVP_PKEY_is_a(pkey, "RSA")) {
        EVP_PKEY_free(pkey);
        throw std::invalid_argument(where + "RS256 needs an RSA public key");
    }
    if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
        EVP_PKEY_free(pkey);
        throw std::invalid_argument(where + "RSA key is shorter than 2048 bits");
    }
    return pkey;
}

}  // namespace

void JwtVerifier::PkeyDeleter::operator()(evp_pkey_st* key) const noexcept {
    EVP_PKEY_free(key);
}

JwtVerifier::JwtVerifier(JwtConfig config) : config_(std::move(config)) {
    if (config_.keys.empty()) throw std::invalid_argument("JWT: no keys configured");
    if (config_.leeway.count() < 0) throw std::invalid_argument("JWT: leeway is negative");
    for (auto& key : config_.keys) {
        const std::string where = "JWT key '" + key.kid + "': ";
        if (!key.kid.empty()) {
            for (const auto& other : keys_) {
                if (other.config.kid == key.kid) throw std::invalid_argument(where + "duplicate kid");
            }
        }
        LoadedKey loaded;
        if (key.algorithm == JwtAlgorithm::kHS256) {
            if (key.secret.size() < kMinHmacSecret) {
                throw std::invalid_argument(where + "HS256 secret must be at least 32 bytes");
            }
            if (!key.public_key_pem.empty()) throw std::invalid_argument(where + "HS256 key has a public_key_pem");
        } else {
            if (!key.secret.empty()) throw std::invalid_argument(where + "RS256 key has a secret");
            loaded.public_key.reset(load_rsa_public_key(key));
        }
        loaded.config = std::move(key);
        keys_.push_back(std::move(loaded));
    }
    config_.keys.clear();  // keys_ holds them now
}

bool JwtVerifier::signature_matches(const LoadedKey& key, std::string_view signing_input,
                                    const std::string& signature) const {
    if (key.config.algorithm == JwtAlgorithm::kHS256) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int mac_size = 0;
        const auto* ok =
            HMAC(EVP_sha256(), key.config.secret.data(), static_cast<int>(key.config.secret.size()),
                 reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &mac_size);
        // The length of a valid MAC is public; only the bytes must be compared in constant time.
        return ok != nullptr && mac_size == kHs256Size && signature.size() == kHs256Size &&
               CRYPTO_memcmp(mac, signature.data(), kHs256Size) == 0;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    // RSA keys default to RSASSA-PKCS1-v1_5 padding, which is what RS256 means.
    const bool ok =
        ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.public_key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
    ERR_clear_error();  // a failed check leaves entries on this thread's error queue
    return ok;
}

JwtClaims JwtVerifier::verify(std::string_view token, Clock::time_point now) const {
    if (token.size() > kMaxTokenSize) fail("token_malformed", "token is longer than 8 KiB");
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        fail("token_malformed", "token is not three '.'-separated segments");
    }

    const json header = decode_json_object(token.substr(0, first), "header");
    const JwtAlgorithm algorithm = parse_algorithm(header);
    // RFC 7515 4.1.11: extensions we do not understand must not be ignored.
    if (header.contains("crit")) fail("token_malformed", "critical header extensions are not supported");
    // "jku", "jwk", "x5u" and "x5c" are ignored: keys come from config only.

    std::vector<const LoadedKey*> candidates;
    if (const auto kid = header.find("kid"); kid != header.end()) {
        if (!kid->is_string()) fail("token_malformed", "header \"kid\" is not a string");
        const auto& name = kid->get_ref<const std::string&>();
        for (const auto& key : keys_) {
            if (!key.config.kid.empty() && key.config.kid == name) candidates.push_back(&key);
        }
        if (candidates.empty()) fail("token_unknown_key", "no key with kid '" + name + "'");
        if (candidates.front()->config.algorithm != algorithm) {
            fail("token_algorithm_not_allowed", "key '" + name + "' is for " +
                                                    algorithm_name(candidates.front()->config.algorithm) + ", not " +
                                                    algorithm_name(algorithm));
        }
    } else {
        for (const auto& key : keys_) {
            if (key.config.algorithm == algorithm) candidates.push_back(&key);
        }
        if (candidates.empty()) {
            fail("token_algorithm_not_allowed", std::string("no ") + algorithm_name(algorithm) + " key is configured");
        }
    }

    const auto signature = decode_base64url(token.substr(second + 1));
    if (!signature) fail("token_malformed", "signature is not valid base64url");
    const std::string_view signing_input = token.substr(0, second);
    bool verified = false;
    for (const auto* key : candidates) verified = verified || signature_matches(*key, signing_input, *signature);
    if (!verified) fail("token_bad_signature", "token signature does not verify");

    JwtClaims claims;
    claims.payload = decode_json_object(token.substr(first + 1, second - first - 1), "payload");
    const json& payload = claims.payload;

    claims.expires_at = numeric_date(payload, "exp");
    if (claims.expires_at) {
        // RFC 7519 4.1.4: the current time must be before "exp".
        if (now >= *claims.expires_at + config_.leeway) fail("token_expired", "token has expired");
    } else if (config_.require_exp) {
        fail("token_malformed", "token has no \"exp\"");
    }
    if (const auto not_before = numeric_date(payload, "nbf"); not_before && now + config_.leeway < *not_before) {
        fail("token_not_yet_valid", "token is not valid yet");
    }

    if (!config_.issuer.empty()) {
        const auto iss = payload.find("iss");
        if (iss == payload.end() || !iss->is_string() || iss->get_ref<const std::string&>() != config_.issuer) {
            fail("token_wrong_issuer", "token issuer is not accepted here");
        }
    }
    if (!config_.audiences.empty()) check_audience(payload, config_.audiences);

    if (const auto sub = payload.find("sub"); sub != payload.end()) {
        if (!sub->is_string()) fail("token_malformed", "claim \"sub\" is not a string");
        claims.subject = sub->get<std::string>();
    }
    claims.scopes = read_scopes(payload);
    return claims;
}

}  // namespace vg::services::gateway
