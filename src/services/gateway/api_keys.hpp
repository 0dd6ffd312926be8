#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vg::services::gateway {

// One configured API key as the operator writes it. Only a hash is kept, so a leaked config does
// not leak usable keys. API keys are 256-bit random strings, so a fast salted SHA-256 is enough
// (a slow KDF protects guessable passwords and would cost every request):
//   hash = "sha256$<salt hex>$<digest hex>", digest = SHA-256(salt bytes || key)
struct ApiKeyEntry {
    std::string name;
    std::string hash;
    std::vector<std::string> scopes;
};

// The configured keys in ready-to-verify form. Immutable after construction, so verify() is safe
// to call from any number of threads at once.
class ApiKeyStore {
public:
    struct Identity {
        std::string name;
        std::vector<std::string> scopes;
    };

    // Throws std::invalid_argument naming the entry and the problem when a name is empty or a hash
    // is not in the format above; config errors surface at start-up, not on the first request.
    explicit ApiKeyStore(const std::vector<ApiKeyEntry>& entries);

    // The identity of the first entry whose key is `presented`, nullopt when none is. Every entry
    // is hashed and compared in constant time with no early exit, so response time does not tell
    // which entry, or how much of a digest, matched.
    std::optional<Identity> verify(std::string_view presented) const;

    std::size_t size() const { return entries_.size(); }

private:
    static constexpr std::size_t kDigestSize = 32;

    struct Entry {
        Identity identity;
        std::vector<std::uint8_t> salt;
        std::array<std::uint8_t, kDigestSize> digest{};
    };

    std::vector<Entry> entries_;
};

// A stored hash for `key` with a fresh random 16-byte salt; for `visiongrid gateway hash-key`.
// Throws std::runtime_error when the system random generator fails.
std::string hash_api_key(std::string_view key);

// A new key: "vg_" followed by 32 random bytes in unpadded base64url (43 characters).
std::string generate_api_key();

}  // namespace vg::services::gateway
