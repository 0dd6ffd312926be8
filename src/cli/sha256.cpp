#include "cli/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace vg::cli {

struct Sha256::Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
    if (context_->ctx == nullptr) throw std::bad_alloc();
    reset();
}

Sha256::~Sha256() = default;

void Sha256::reset() {
    if (EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 init failed");
}

void Sha256::update(std::string_view bytes) {
    if (EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size()) != 1)
        throw std::runtime_error("SHA-256 update failed");
}

std::string Sha256::hex_digest() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_->ctx, digest.data(), &length) != 1)
        throw std::runtime_error("SHA-256 final failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0xf];
    }
    reset();
    return hex;
}

void hash_file_prefix(const std::filesystem::path& path, std::uintmax_t length, Sha256& hash,
                      const std::function<void(std::uintmax_t)>& on_progress) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::string buffer(1 << 20, '\0');
    std::uintmax_t done = 0;
    while (done < length) {
        const auto want = static_cast<std::streamsize>(std::min<std::uintmax_t>(buffer.size(), length - done));
        in.read(buffer.data(), want);
        const auto got = in.gcount();
        if (got <= 0) throw std::runtime_error(path.string() + " is shorter than expected");
        hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
        done += static_cast<std::uintmax_t>(got);
        if (on_progress) on_progress(done);
    }
}

std::string sha256_file(const std::filesystem::path& path, const std::function<void(std::uintmax_t)>& on_progress) {
    Sha256 hash;
    hash_file_prefix(path, std::filesystem::file_size(path), hash, on_progress);
    return hash.hex_digest();
}

bool is_sha256_hex(std::string_view text) {
    if (text.size() != 64) return false;
    for (char c : text) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

}  // namespace vg::cli
