// Bearer tokens at the gateway (services/gateway/jwt.hpp): segment splitting, strict base64url,
// header and algorithm checks, key selection by kid, HS256/RS256 signatures, then the claims.
// Input: a first line "token" followed by a raw token, or "signed" followed by a header JSON line
// and a payload JSON: the harness signs those with the configured HS256 secret, so the claim checks
// behind the signature are fuzzed too. Only JwtError may come out.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "services/gateway/jwt.hpp"

namespace {

using vg::services::gateway::JwtAlgorithm;
using vg::services::gateway::JwtVerifier;

const std::string kSecret = "fuzzing-secret-fuzzing-secret-0123456789";

std::string rsa_public_pem() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!key || !bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) std::abort();
    char* text = nullptr;
    long size = BIO_get_mem_data(bio.get(), &text);
    return std::string(text, static_cast<std::size_t>(size));
}

const JwtVerifier& verifier() {
    static const JwtVerifier instance = [] {
        vg::services::gateway::JwtConfig config;
        config.keys.push_back({.kid = "", .algorithm = JwtAlgorithm::kHS256, .secret = kSecret, .public_key_pem = ""});
        config.keys.push_back({.kid = "hs", .algorithm = JwtAlgorithm::kHS256, .secret = kSecret, .public_key_pem = ""});
        config.keys.push_back({.kid = "rs", .algorithm = JwtAlgorithm::kRS256, .secret = "", .public_key_pem = rsa_public_pem()});
        config.issuer = "https://issuer.example.com";
        config.audiences = {"visiongrid", "api"};
        return JwtVerifier(std::move(config));
    }();
    return instance;
}

std::string base64url(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        buffer = buffer << 8 | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(buffer >> bits) & 63];
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
    return out;
}

std::string sign(std::string_view header, std::string_view payload) {
    std::string input = base64url(header) + "." + base64url(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()), reinterpret_cast<const unsigned char*>(input.data()),
         input.size(), mac, &size);
    return input + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto [mode, rest] = vg::fuzz::split_first_line(data, size);
    std::string token;
    if (mode == "token") {
        token = std::string(rest);
    } else if (mode == "signed") {
        auto eol = rest.find('\n');
        if (eol == std::string_view::npos) return 0;
        token = sign(rest.substr(0, eol), rest.substr(eol + 1));
    } else {
        return 0;
    }
    // A fixed "now" keeps runs reproducible: 2025-01-01T00:00:00Z.
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1735689600));
    try {
        auto claims = verifier().verify(token, now);
        if (!claims.payload.is_object()) std::abort();
        if (!claims.expires_at || now >= *claims.expires_at + std::chrono::seconds(30)) std::abort();  // exp is required
    } catch (const vg::services::gateway::JwtError&) {
    }
    return 0;
}
