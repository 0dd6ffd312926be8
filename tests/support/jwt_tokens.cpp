#include "support/jwt_tokens.hpp"

#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace vg::test {

std::string b64url(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        buffer = (buffer << 8 | c) & 0xffffff;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(buffer >> bits) & 63];
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
    return out;
}

std::string hmac_sha256(std::string_view secret, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), mac, &size);
    return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string rsa_sha256(EVP_PKEY* key, std::string_view data) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::size_t size = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, in, data.size()) != 1) {
        throw std::runtime_error("RSA signing failed");
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, in, data.size()) != 1) {
        throw std::runtime_error("RSA signing failed");
    }
    signature.resize(size);
    return signature;
}

std::string public_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) throw std::runtime_error("PEM_write_bio_PUBKEY failed");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string make_token(const nlohmann::json& header, const nlohmann::json& payload, const Signer& sign) {
    const std::string input = b64url(header.dump()) + "." + b64url(payload.dump());
    return input + "." + b64url(sign(input));
}

}  // namespace vg::test
