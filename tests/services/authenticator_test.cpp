#include "services/gateway/authenticator.hpp"

#include "support/jwt_tokens.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

namespace vg::services::gateway {
namespace {

using ::testing::ElementsAre;
using json = nlohmann::json;
using Clock = std::chrono::system_clock;

// Tokens are built with OpenSSL directly (support/jwt_tokens), never with the code under test.
std::string hs256_token(const std::string& secret, const json& payload) {
    return test::make_token({{"alg", "HS256"}, {"typ", "JWT"}}, payload,
                            [&](const std::string& input) { return test::hmac_sha256(secret, input); });
}

const Clock::time_point kNow{std::chrono::seconds{1'700'000'000}};
constexpr long long kNowSeconds = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-gateway-test";
const std::string kCiKey = "vg_ci_key_0123456789";
const std::string kOpsKey = "vg_ops_key_9876543210";

class AuthenticatorTest : public ::testing::Test {
protected:
    static AuthConfig keys_only() {
        AuthConfig config;
        config.api_keys.push_back({{"ci", hash_api_key(kCiKey), {"model", "business"}}, std::nullopt});
        config.api_keys.push_back({{"ops", hash_api_key(kOpsKey), {"*"}}, cluster::RateLimit{5, 10}});
        return config;
    }
    static AuthConfig with_jwt() {
        AuthConfig config = keys_only();
        JwtConfig jwt;
        jwt.keys.push_back({"", JwtAlgorithm::kHS256, kSecret, ""});
        config.jwt = jwt;
        config.jwt_rate_limit = cluster::RateLimit{1, 3};
        return config;
    }

    static net::Request with_header(const std::string& name, const std::string& value) {
        net::Request request;
        request.headers.add(name, value);
        return request;
    }

    // The principal, or a test failure naming the refusal.
    static Principal principal_of(const std::variant<Principal, AuthFailure>& verdict) {
        if (const auto* failure = std::get_if<AuthFailure>(&verdict)) {
            ADD_FAILURE() << "refused: " << failure->code << ": " << failure->message;
            return {};
        }
        return std::get<Principal>(verdict);
    }
    // The refusal's code, or "ok".
    static std::string code_of(const std::variant<Principal, AuthFailure>& verdict) {
        if (const auto* failure = std::get_if<AuthFailure>(&verdict)) {
            EXPECT_EQ(failure->status, 401);
            EXPECT_FALSE(failure->message.empty());
            return failure->code;
        }
        return "ok";
    }
};

TEST_F(AuthenticatorTest, ApiKeyAsBearer) {
    Authenticator auth(keys_only());
    auto principal = principal_of(auth.authenticate(with_header("Authorization", "Bearer " + kCiKey), kNow));
    EXPECT_EQ(principal.name, "ci");
    EXPECT_THAT(principal.scopes, ElementsAre("model", "business"));
    EXPECT_FALSE(principal.rate_limit);
}

TEST_F(AuthenticatorTest, BearerSchemeIsCaseInsensitive) {
    Authenticator auth(keys_only());
    EXPECT_EQ(principal_of(auth.authenticate(with_header("authorization", "bearer " + kCiKey), kNow)).name, "ci");
}

TEST_F(AuthenticatorTest, ApiKeyAsXApiKey) {
    Authenticator auth(keys_only());
    auto principal = principal_of(auth.authenticate(with_header("X-API-Key", kOpsKey), kNow));
    EXPECT_EQ(principal.name, "ops");
    EXPECT_THAT(principal.scopes, ElementsAre("*"));
}

TEST_F(AuthenticatorTest, PerKeyRateLimitIsCarriedToThePrincipal) {
    Authenticator auth(keys_only());
    auto principal = principal_of(auth.authenticate(with_header("X-API-Key", kOpsKey), kNow));
    ASSERT_TRUE(principal.rate_limit);
    EXPECT_EQ(principal.rate_limit->rate_per_second, 5);
    EXPECT_EQ(principal.rate_limit->burst, 10);
}

TEST_F(AuthenticatorTest, WrongKeyIsInvalid) {
    Authenticator auth(keys_only());
    EXPECT_EQ(code_of(auth.authenticate(with_header("X-API-Key", kCiKey + "x"), kNow)), "invalid_api_key");
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Bearer vg_nope"), kNow)), "invalid_api_key");
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Bearer " + kCiKey + "x "), kNow)), "invalid_api_key");
}

TEST_F(AuthenticatorTest, BlankKeyHeaderCountsAsNoCredentialAndSpacesAroundAKeyAreIgnored) {
    Authenticator auth(keys_only());
    EXPECT_EQ(code_of(auth.authenticate(with_header("X-API-Key", ""), kNow)), "unauthenticated");
    EXPECT_EQ(code_of(auth.authenticate(with_header("X-API-Key", "  "), kNow)), "unauthenticated");
    EXPECT_TRUE(std::holds_alternative<Principal>(auth.authenticate(with_header("Authorization", "Bearer  " + kCiKey + " "), kNow)));
    EXPECT_TRUE(std::holds_alternative<Principal>(auth.authenticate(with_header("X-API-Key", " " + kCiKey), kNow)));
}

TEST_F(AuthenticatorTest, MissingCredentialsAreUnauthenticated) {
    Authenticator auth(keys_only());
    EXPECT_EQ(code_of(auth.authenticate(net::Request{}, kNow)), "unauthenticated");
    EXPECT_EQ(code_of(auth.authenticate(with_header("X-Api-Token", kCiKey), kNow)), "unauthenticated");
}

TEST_F(AuthenticatorTest, MalformedAuthorizationIsUnauthenticated) {
    Authenticator auth(keys_only());
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Basic x"), kNow)), "unauthenticated");
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Bearer"), kNow)), "unauthenticated");
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Bearer "), kNow)), "unauthenticated");
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", kCiKey), kNow)), "unauthenticated");
}

TEST_F(AuthenticatorTest, AuthorizationIsCheckedBeforeXApiKey) {
    // A malformed Authorization is refused even when a good X-API-Key rides along.
    Authenticator auth(keys_only());
    net::Request request = with_header("Authorization", "Basic x");
    request.headers.add("X-API-Key", kCiKey);
    EXPECT_EQ(code_of(auth.authenticate(request, kNow)), "unauthenticated");
}

TEST_F(AuthenticatorTest, ValidJwt) {
    Authenticator auth(with_jwt());
    const auto token = hs256_token(kSecret, {{"sub", "alice"}, {"exp", kNowSeconds + 300}, {"scope", "model monitor"}});
    auto principal = principal_of(auth.authenticate(with_header("Authorization", "Bearer " + token), kNow));
    EXPECT_EQ(principal.name, "jwt:alice");
    EXPECT_THAT(principal.scopes, ElementsAre("model", "monitor"));
    ASSERT_TRUE(principal.rate_limit);  // jwt_rate_limit
    EXPECT_EQ(principal.rate_limit->burst, 3);
}

TEST_F(AuthenticatorTest, JwtInXApiKeyIsAcceptedToo) {
    Authenticator auth(with_jwt());
    const auto token = hs256_token(kSecret, {{"sub", "bob"}, {"exp", kNowSeconds + 300}});
    EXPECT_EQ(principal_of(auth.authenticate(with_header("X-API-Key", token), kNow)).name, "jwt:bob");
}

TEST_F(AuthenticatorTest, ExpiredJwt) {
    Authenticator auth(with_jwt());
    const auto token = hs256_token(kSecret, {{"sub", "alice"}, {"exp", kNowSeconds - 3600}});
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Bearer " + token), kNow)), "token_expired");
}

TEST_F(AuthenticatorTest, JwtSignedWithAnotherSecret) {
    Authenticator auth(with_jwt());
    const auto token =
        hs256_token("another-secret-another-secret-another", {{"sub", "alice"}, {"exp", kNowSeconds + 60}});
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Bearer " + token), kNow)), "token_bad_signature");
}

TEST_F(AuthenticatorTest, JwtWhenNoJwtIsConfigured) {
    Authenticator auth(keys_only());
    const auto token = hs256_token(kSecret, {{"sub", "alice"}, {"exp", kNowSeconds + 300}});
    EXPECT_EQ(code_of(auth.authenticate(with_header("Authorization", "Bearer " + token), kNow)), "invalid_token");
}

TEST_F(AuthenticatorTest, ApiKeysStillWorkBesideJwt) {
    Authenticator auth(with_jwt());
    EXPECT_EQ(principal_of(auth.authenticate(with_header("Authorization", "Bearer " + kCiKey), kNow)).name, "ci");
}

TEST_F(AuthenticatorTest, NothingConfiguredRefusesEverything) {
    Authenticator auth(AuthConfig{});
    EXPECT_EQ(code_of(auth.authenticate(with_header("X-API-Key", kCiKey), kNow)), "invalid_api_key");
}

TEST_F(AuthenticatorTest, HasScope) {
    const Principal model{"ci", {"model", "business"}, std::nullopt};
    const Principal admin{"ops", {"*"}, std::nullopt};
    const Principal nobody{"guest", {}, std::nullopt};
    EXPECT_TRUE(Authenticator::has_scope(model, {"model"}));
    EXPECT_TRUE(Authenticator::has_scope(model, {"monitor", "business"}));
    EXPECT_FALSE(Authenticator::has_scope(model, {"monitor"}));
    EXPECT_TRUE(Authenticator::has_scope(admin, {"monitor"}));
    EXPECT_TRUE(Authenticator::has_scope(admin, {"anything", "else"}));
    EXPECT_TRUE(Authenticator::has_scope(nobody, {}));
    EXPECT_TRUE(Authenticator::has_scope(model, {}));
    EXPECT_FALSE(Authenticator::has_scope(nobody, {"model"}));
}

}  // namespace
}  // namespace vg::services::gateway
