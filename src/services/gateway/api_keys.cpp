#include "services/gateway/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace vg::services::gateway {
namespace {

constexpr std::string_view kScheme = "sha256";
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kGeneratedKeyBytes = 32;
constexpr std::size_t kSha256Size = 32;

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

MdCtx new_md_ctx() {
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx) throw std::runtime_error("EVP_MD_CTX_new failed");
    return ctx;
}

// SHA-256(salt || key) reusing `ctx`, so verify() allocates one context for all entries.
void salted_sha256(EVP_MD_CTX* ctx, const std::vector<std::uint8_t>& salt, std::string_view key,
                   std::array<std::uint8_t, kSha256Size>& out) {
    unsigned int size = 0;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 || EVP_DigestUpdate(ctx, salt.data(), salt.size()) != 1 ||
        EVP_DigestUpdate(ctx, key.data(), key.size()) != 1 || EVP_DigestFinal_ex(ctx, out.data(), &size) != 1 ||
        size != kSha256Size) {
        throw std::runtime_error("SHA-256 failed");
    }
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
    std::vector<std::uint8_t> bytes(n);
    if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
    return bytes;
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0x0f];
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
}

std::string base64url(const std::uint8_t* data, std::size_t size) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < size; ++i) {
        buffer = buffer << 8 | data[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(buffer >> bits) & 0x3f];
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
    return out;
}

[[noreturn]] void bad_entry(const ApiKeyEntry& entry, const std::string& problem) {
    throw std::invalid_argument("API key '" + entry.name + "': " + problem +
                                " (expected sha256$<salt hex>$<64 hex digits>; make one with `visiongrid gateway "
                                "hash-key`)");
}

}  // namespace

ApiKeyStore::ApiKeyStore(const std::vector<ApiKeyEntry>& entries) {
    entries_.reserve(entries.size());
    for (const auto& entry : entries) {
        if (entry.name.empty()) throw std::invalid_argument("API key with hash '" + entry.hash + "': name is empty");
        const std::string_view hash = entry.hash;
        const auto first = hash.find('$');
        const auto second = first == std::string_view::npos ? first : hash.find('$', first + 1);
        if (second == std::string_view::npos || hash.find('$', second + 1) != std::string_view::npos) {
            bad_entry(entry, "hash does not have three '$'-separated parts");
        }
        if (hash.substr(0, first) != kScheme) bad_entry(entry, "hash scheme is not 'sha256'");
        auto salt = from_hex(hash.substr(first + 1, second - first - 1));
        if (!salt || salt->empty()) bad_entry(entry, "salt is not a non-empty hex string");
        auto digest = from_hex(hash.substr(second + 1));
        if (!digest || digest->size() != kDigestSize) bad_entry(entry, "digest is not 64 hex digits");

        Entry parsed{{entry.name, entry.scopes}, std::move(*salt), {}};
        std::copy(digest->begin(), digest->end(), parsed.digest.begin());
        entries_.push_back(std::move(parsed));
    }
}

std::optional<ApiKeyStore::Identity> ApiKeyStore::verify(std::string_view presented) const {
    // Emptiness is not secret, so this exit reveals nothing about the stored keys.
    if (presented.empty() || entries_.empty()) return std::nullopt;
    const MdCtx ctx = new_md_ctx();
    std::array<std::uint8_t, kDigestSize> candidate{};
    // Select the first match with masks rather than a branch that could stop the loop.
    std::size_t match = 0;
    std::size_t found = 0;  // all ones once a match is seen
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        salted_sha256(ctx.get(), entries_[i].salt, presented, candidate);
        const std::size_t equal = CRYPTO_memcmp(candidate.data(), entries_[i].digest.data(), kDigestSize) == 0;
        const std::size_t take = (0 - equal) & ~found;
        match = (i & take) | (match & ~take);
        found |= take;
    }
    if (!found) return std::nullopt;
    return entries_[match].identity;
}

std::string hash_api_key(std::string_view key) {
    const auto salt = random_bytes(kSaltSize);
    std::array<std::uint8_t, kSha256Size> digest{};
    salted_sha256(new_md_ctx().get(), salt, key, digest);
    return std::string(kScheme) + "$" + to_hex(salt.data(), salt.size()) + "$" + to_hex(digest.data(), digest.size());
}

std::string generate_api_key() {
    const auto bytes = random_bytes(kGeneratedKeyBytes);
    return "vg_" + base64url(bytes.data(), bytes.size());
}

}  // namespace vg::services::gateway
