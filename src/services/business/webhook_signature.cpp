#include "services/business/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace vg::services::business {

std::string sign_webhook(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
    const std::string timestamp = std::to_string(unix_seconds);
    std::string message;
    message.reserve(timestamp.size() + 1 + body.size());
    message.append(timestamp).append(".").append(body);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(message.data()),
         message.size(), digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "t=" + timestamp + ",v1=";
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace vg::services::business
