#include "services/gateway/api_keys.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vg::services::gateway {
namespace {

// Expected hashes are computed here with OpenSSL directly, not with the code under test.
std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0x0f];
    }
    return out;
}

std::string unhex(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 2)
        out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
    return out;
}

std::string sha256_hex(const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr), 1);
    return hex(digest, size);
}

// A stored hash for `key` with a fixed salt, built by hand.
std::string stored_hash(const std::string& salt_hex, const std::string& key) {
    return "sha256$" + salt_hex + "$" + sha256_hex(unhex(salt_hex) + key);
}

// GCC 12's std::regex trips -Wmaybe-uninitialized under sanitizers, so formats are checked by hand.
bool all_of_chars(const std::string& text, std::string_view allowed) {
    return text.find_first_not_of(allowed) == std::string::npos;
}

bool is_stored_hash_format(const std::string& hash) {
    return hash.size() == 7 + 32 + 1 + 64 && hash.substr(0, 7) == "sha256$" && hash[39] == '$' &&
           all_of_chars(hash.substr(7, 32), "0123456789abcdef") && all_of_chars(hash.substr(40), "0123456789abcdef");
}

constexpr const char* kSaltA = "000102030405060708090a0b0c0d0e0f";
constexpr const char* kSaltB = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
constexpr const char* kKeyA = "vg_alpha-key-0123456789abcdefghijklmnopqrstuvw";
constexpr const char* kKeyB = "vg_bravo-key-0123456789abcdefghijklmnopqrstuvw";

ApiKeyStore two_key_store() {
    return ApiKeyStore({{"alpha", stored_hash(kSaltA, kKeyA), {"vision:read", "vision:write"}},
                        {"bravo", stored_hash(kSaltB, kKeyB), {"vision:read"}}});
}

TEST(ApiKeyStoreTest, RightKeyGivesItsIdentity) {
    const ApiKeyStore store({{"alpha", stored_hash(kSaltA, kKeyA), {"vision:read", "vision:write"}}});
    EXPECT_EQ(store.size(), 1u);
    const auto identity = store.verify(kKeyA);
    ASSERT_TRUE(identity);
    EXPECT_EQ(identity->name, "alpha");
    EXPECT_EQ(identity->scopes, (std::vector<std::string>{"vision:read", "vision:write"}));
}

TEST(ApiKeyStoreTest, WrongEmptyPrefixAndExtendedKeysAreRejected) {
    const ApiKeyStore store({{"alpha", stored_hash(kSaltA, kKeyA), {}}});
    const std::string key = kKeyA;
    EXPECT_FALSE(store.verify("vg_not-the-key"));
    EXPECT_FALSE(store.verify(""));
    EXPECT_FALSE(store.verify(key.substr(0, key.size() - 1)));
    EXPECT_FALSE(store.verify(key.substr(0, 3)));
    EXPECT_FALSE(store.verify(key + "x"));
    std::string flipped = key;
    flipped.back() = flipped.back() == 'w' ? 'v' : 'w';
    EXPECT_FALSE(store.verify(flipped));
    // The stored hash itself is not a key.
    EXPECT_FALSE(store.verify(stored_hash(kSaltA, kKeyA)));
}

TEST(ApiKeyStoreTest, TwoKeysEachMapToTheirOwnEntry) {
    const ApiKeyStore store = two_key_store();
    EXPECT_EQ(store.size(), 2u);
    const auto a = store.verify(kKeyA);
    const auto b = store.verify(kKeyB);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(a->name, "alpha");
    EXPECT_EQ(b->name, "bravo");
    EXPECT_EQ(b->scopes, std::vector<std::string>{"vision:read"});
}

TEST(ApiKeyStoreTest, SameKeyUnderTwoNamesGivesTheFirst) {
    const ApiKeyStore store({{"first", stored_hash(kSaltA, kKeyA), {}}, {"second", stored_hash(kSaltB, kKeyA), {}}});
    const auto identity = store.verify(kKeyA);
    ASSERT_TRUE(identity);
    EXPECT_EQ(identity->name, "first");
}

TEST(ApiKeyStoreTest, UppercaseHexIsAccepted) {
    std::string hash = stored_hash(kSaltB, kKeyB);
    for (auto& c : hash) c = (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
    hash.replace(0, 6, "sha256");
    const ApiKeyStore store({{"bravo", hash, {}}});
    EXPECT_TRUE(store.verify(kKeyB));
}

TEST(ApiKeyStoreTest, EmptyStoreMatchesNothing) {
    const ApiKeyStore store({});
    EXPECT_EQ(store.size(), 0u);
    EXPECT_FALSE(store.verify(kKeyA));
}

TEST(ApiKeyStoreTest, MalformedStoredHashNamesTheEntry) {
    const std::string good = stored_hash(kSaltA, kKeyA);
    const std::string digest = good.substr(good.rfind('$') + 1);
    const std::vector<std::string> bad = {
        "",
        "plain-text-key",
        "sha512$" + std::string(kSaltA) + "$" + digest,
        "SHA256$" + std::string(kSaltA) + "$" + digest,
        "sha256$" + std::string(kSaltA),
        "sha256$" + std::string(kSaltA) + "$" + digest + "$extra",
        "sha256$$" + digest,
        "sha256$0g0102030405060708090a0b0c0d0e0f$" + digest,
        "sha256$0001020$" + digest,
        "sha256$" + std::string(kSaltA) + "$" + digest.substr(2),
        "sha256$" + std::string(kSaltA) + "$" + digest + "00",
        "sha256$" + std::string(kSaltA) + "$" + digest.substr(1) + "z",
    };
    for (const auto& hash : bad) {
        try {
            ApiKeyStore store({{"ok", good, {}}, {"ci-runner", hash, {}}});
            ADD_FAILURE() << "accepted '" << hash << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("ci-runner"), std::string::npos) << e.what();
        }
    }
}

TEST(ApiKeyStoreTest, EmptyNameIsRejected) {
    EXPECT_THROW(ApiKeyStore({{"", stored_hash(kSaltA, kKeyA), {}}}), std::invalid_argument);
}

TEST(HashApiKeyTest, FreshSaltEachTimeAndBothVerify) {
    const std::string key = "vg_some-key-for-hashing";
    const std::string h1 = hash_api_key(key);
    const std::string h2 = hash_api_key(key);
    EXPECT_TRUE(is_stored_hash_format(h1)) << h1;
    EXPECT_TRUE(is_stored_hash_format(h2)) << h2;
    EXPECT_NE(h1.substr(7, 32), h2.substr(7, 32));
    EXPECT_TRUE(ApiKeyStore({{"one", h1, {}}}).verify(key));
    EXPECT_TRUE(ApiKeyStore({{"two", h2, {}}}).verify(key));
    EXPECT_FALSE(ApiKeyStore({{"one", h1, {}}}).verify("vg_some-key-for-hashinG"));
}

TEST(HashApiKeyTest, DigestIsSha256OfSaltThenKey) {
    const std::string key = "vg_independently-checked";
    const std::string hash = hash_api_key(key);
    const std::string salt_hex = hash.substr(7, 32);
    EXPECT_EQ(hash, stored_hash(salt_hex, key));
}

TEST(GenerateApiKeyTest, PrefixedBase64UrlOf32BytesAndUnique) {
    const std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::string a = generate_api_key();
    const std::string b = generate_api_key();
    for (const auto& key : {a, b}) {
        EXPECT_EQ(key.size(), 3u + 43u) << key;
        EXPECT_EQ(key.substr(0, 3), "vg_") << key;
        EXPECT_TRUE(all_of_chars(key.substr(3), alphabet)) << key;
    }
    EXPECT_NE(a, b);
    // 32 bytes leave 2 unused bits in the last character, which must be zero.
    EXPECT_NE(std::string("AEIMQUYcgkosw048").find(a.back()), std::string::npos) << a;
}

TEST(GenerateApiKeyTest, GeneratedKeyRoundTripsThroughTheStore) {
    const std::string key = generate_api_key();
    const ApiKeyStore store({{"generated", hash_api_key(key), {"admin"}}});
    const auto identity = store.verify(key);
    ASSERT_TRUE(identity);
    EXPECT_EQ(identity->name, "generated");
}

}  // namespace
}  // namespace vg::services::gateway
