#pragma once

// JWTs for tests, made with OpenSSL directly and a local base64url encoder — never with the code
// under test, so a bug there cannot make its own tokens look right.
#include <openssl/evp.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vg::test {

std::string b64url(std::string_view bytes);  // unpadded, RFC 4648 §5
std::string hmac_sha256(std::string_view secret, std::string_view data);

struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// RSASSA-PKCS1-v1_5 with SHA-256 (RS256). Throws std::runtime_error when OpenSSL fails.
std::string rsa_sha256(EVP_PKEY* key, std::string_view data);
// The key's SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
std::string public_pem(EVP_PKEY* key);

using Signer = std::function<std::string(const std::string& signing_input)>;
// header.payload.signature, each part base64url.
std::string make_token(const nlohmann::json& header, const nlohmann::json& payload, const Signer& sign);

}  // namespace vg::test
