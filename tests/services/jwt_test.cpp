#include "services/gateway/jwt.hpp"

#include "support/jwt_tokens.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace vg::services::gateway {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::system_clock;
using test::b64url;
using test::hmac_sha256;
using test::make_token;
using test::Pkey;
using test::public_pem;
using test::rsa_sha256;
using test::Signer;


const Clock::time_point kNow{std::chrono::seconds{1'700'000'000}};
constexpr long long kNowSeconds = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-hs256-test-secret";
const std::string kOtherSecret = "fedcba9876543210fedcba9876543210-another-secret!";

class JwtVerifierTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        rsa_key_.reset(EVP_RSA_gen(2048));
        ASSERT_TRUE(rsa_key_);
        rsa_pem_ = public_pem(rsa_key_.get());
        other_rsa_key_.reset(EVP_RSA_gen(2048));
        ASSERT_TRUE(other_rsa_key_);
    }
    static void TearDownTestSuite() {
        rsa_key_.reset();
        other_rsa_key_.reset();
    }

    static JwtKey hs_key(std::string kid, std::string secret = kSecret) {
        return {std::move(kid), JwtAlgorithm::kHS256, std::move(secret), ""};
    }
    static JwtKey rs_key(std::string kid) { return {std::move(kid), JwtAlgorithm::kRS256, "", rsa_pem_}; }

    static JwtConfig config_with(std::vector<JwtKey> keys) {
        JwtConfig c;
        c.keys = std::move(keys);
        return c;
    }

    static Signer hs(const std::string& secret = kSecret) {
        return [secret](const std::string& in) { return hmac_sha256(secret, in); };
    }
    static Signer rs(EVP_PKEY* key = nullptr) {
        return [key](const std::string& in) { return rsa_sha256(key ? key : rsa_key_.get(), in); };
    }

    static json claims(long long exp_offset = 300) { return {{"sub", "user-42"}, {"exp", kNowSeconds + exp_offset}}; }
    static json hs_header(const std::string& kid = "") {
        json h = {{"alg", "HS256"}, {"typ", "JWT"}};
        if (!kid.empty()) h["kid"] = kid;
        return h;
    }
    static json rs_header(const std::string& kid = "") {
        json h = {{"alg", "RS256"}, {"typ", "JWT"}};
        if (!kid.empty()) h["kid"] = kid;
        return h;
    }

    // The JwtError code verify() throws, or "ok".
    static std::string outcome(const JwtVerifier& verifier, std::string_view token, Clock::time_point now = kNow) {
        try {
            verifier.verify(token, now);
            return "ok";
        } catch (const JwtError& e) {
            return e.code();
        }
    }

    static inline Pkey rsa_key_;
    static inline Pkey other_rsa_key_;
    static inline std::string rsa_pem_;
};

TEST_F(JwtVerifierTest, ValidHs256GivesSubjectScopesAndExpiry) {
    const JwtVerifier verifier(config_with({hs_key("hs1")}));
    json payload = claims();
    payload["scope"] = "vision:read  vision:write";
    payload["custom"] = 7;
    const auto result = verifier.verify(make_token(hs_header("hs1"), payload, hs()), kNow);
    EXPECT_EQ(result.subject, "user-42");
    EXPECT_EQ(result.scopes, (std::vector<std::string>{"vision:read", "vision:write"}));
    ASSERT_TRUE(result.expires_at);
    EXPECT_EQ(*result.expires_at, kNow + 300s);
    EXPECT_EQ(result.payload.at("custom"), 7);
}

TEST_F(JwtVerifierTest, ValidRs256TakesScopesFromScpArray) {
    const JwtVerifier verifier(config_with({rs_key("rs1")}));
    json payload = claims();
    payload["scp"] = {"models:list", "vision:read"};
    const auto result = verifier.verify(make_token(rs_header("rs1"), payload, rs()), kNow);
    EXPECT_EQ(result.subject, "user-42");
    EXPECT_EQ(result.scopes, (std::vector<std::string>{"models:list", "vision:read"}));
}

TEST_F(JwtVerifierTest, WithoutKidEveryKeyOfTheHeaderAlgorithmIsTried) {
    const JwtVerifier verifier(config_with({hs_key("a"), hs_key("b", kOtherSecret), rs_key("r")}));
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(), hs(kOtherSecret))), "ok");
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(), hs())), "ok");
    EXPECT_EQ(outcome(verifier, make_token(rs_header(), claims(), rs())), "ok");
}

TEST_F(JwtVerifierTest, KidSelectsOnlyThatKey) {
    const JwtVerifier verifier(config_with({hs_key("a"), hs_key("b", kOtherSecret)}));
    EXPECT_EQ(outcome(verifier, make_token(hs_header("b"), claims(), hs(kOtherSecret))), "ok");
    // Signed with key b's secret but naming key a: key b must not be tried.
    EXPECT_EQ(outcome(verifier, make_token(hs_header("a"), claims(), hs(kOtherSecret))), "token_bad_signature");
}

TEST_F(JwtVerifierTest, UnknownKidIsRejected) {
    const JwtVerifier verifier(config_with({hs_key("a"), hs_key("")}));
    EXPECT_EQ(outcome(verifier, make_token(hs_header("nope"), claims(), hs())), "token_unknown_key");
    json empty_kid = hs_header();
    empty_kid["kid"] = "";
    EXPECT_EQ(outcome(verifier, make_token(empty_kid, claims(), hs())), "token_unknown_key");
}

TEST_F(JwtVerifierTest, ExpiredTokenIsRejected) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(-3600), hs())), "token_expired");
}

TEST_F(JwtVerifierTest, ExpiryLeewayBoundary) {
    const JwtVerifier verifier(config_with({hs_key("")}));  // leeway 30 s
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(-29), hs())), "ok");
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(-30), hs())), "token_expired");
    // Just under a second before the boundary still passes; exactly at it fails.
    const std::string token = make_token(hs_header(), claims(0), hs());
    EXPECT_EQ(outcome(verifier, token, kNow + 30s - 1ms), "ok");
    EXPECT_EQ(outcome(verifier, token, kNow + 30s), "token_expired");
}

TEST_F(JwtVerifierTest, ZeroLeewayIsExact) {
    JwtConfig c = config_with({hs_key("")});
    c.leeway = 0s;
    const JwtVerifier verifier(std::move(c));
    const std::string token = make_token(hs_header(), claims(0), hs());
    EXPECT_EQ(outcome(verifier, token, kNow - 1ms), "ok");
    EXPECT_EQ(outcome(verifier, token, kNow), "token_expired");
}

TEST_F(JwtVerifierTest, NotBeforeWithLeeway) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    auto with_nbf = [&](long long offset) {
        json p = claims(3600);
        p["nbf"] = kNowSeconds + offset;
        return make_token(hs_header(), p, hs());
    };
    EXPECT_EQ(outcome(verifier, with_nbf(600)), "token_not_yet_valid");
    EXPECT_EQ(outcome(verifier, with_nbf(31)), "token_not_yet_valid");
    EXPECT_EQ(outcome(verifier, with_nbf(30)), "ok");
    EXPECT_EQ(outcome(verifier, with_nbf(-10)), "ok");
}

TEST_F(JwtVerifierTest, FractionalAndFarFutureNumericDates) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    json p = claims();
    p["exp"] = static_cast<double>(kNowSeconds) + 0.5;
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs()), kNow + 30s + 400ms), "ok");
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs()), kNow + 30s + 600ms), "token_expired");
    p["exp"] = 1e300;
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs())), "ok");
    p["exp"] = -1e300;
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs())), "token_expired");
}

TEST_F(JwtVerifierTest, MissingExpFollowsRequireExp) {
    json p = {{"sub", "user-42"}};
    {
        const JwtVerifier verifier(config_with({hs_key("")}));
        EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs())), "token_malformed");
    }
    JwtConfig c = config_with({hs_key("")});
    c.require_exp = false;
    const JwtVerifier verifier(std::move(c));
    const auto result = verifier.verify(make_token(hs_header(), p, hs()), kNow);
    EXPECT_FALSE(result.expires_at);
    EXPECT_TRUE(result.scopes.empty());
}

TEST_F(JwtVerifierTest, IssuerMustMatchWhenConfigured) {
    JwtConfig c = config_with({hs_key("")});
    c.issuer = "https://idp.example.com";
    const JwtVerifier verifier(std::move(c));
    json p = claims();
    p["iss"] = "https://idp.example.com";
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs())), "ok");
    p["iss"] = "https://evil.example.com";
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs())), "token_wrong_issuer");
    p["iss"] = 5;
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs())), "token_wrong_issuer");
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(), hs())), "token_wrong_issuer");
}

TEST_F(JwtVerifierTest, IssuerIgnoredWhenNotConfigured) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    json p = claims();
    p["iss"] = "anyone";
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), p, hs())), "ok");
}

TEST_F(JwtVerifierTest, AudienceAsStringOrArray) {
    JwtConfig c = config_with({hs_key("")});
    c.audiences = {"visiongrid", "visiongrid-staging"};
    const JwtVerifier verifier(std::move(c));
    auto with_aud = [&](const json& aud) {
        json p = claims();
        p["aud"] = aud;
        return make_token(hs_header(), p, hs());
    };
    EXPECT_EQ(outcome(verifier, with_aud("visiongrid")), "ok");
    EXPECT_EQ(outcome(verifier, with_aud("visiongrid-staging")), "ok");
    EXPECT_EQ(outcome(verifier, with_aud(json::array({"other", "visiongrid"}))), "ok");
    EXPECT_EQ(outcome(verifier, with_aud("other")), "token_wrong_audience");
    EXPECT_EQ(outcome(verifier, with_aud(json::array({"other", "another"}))), "token_wrong_audience");
    EXPECT_EQ(outcome(verifier, with_aud(json::array())), "token_wrong_audience");
    EXPECT_EQ(outcome(verifier, with_aud("VisionGrid")), "token_wrong_audience");
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(), hs())), "token_wrong_audience");
    EXPECT_EQ(outcome(verifier, with_aud(42)), "token_malformed");
}

TEST_F(JwtVerifierTest, FlippedSignatureByteIsRejected) {
    const JwtVerifier verifier(config_with({hs_key("h"), rs_key("r")}));
    for (const auto& [header, sign] : {std::pair{hs_header("h"), hs()}, std::pair{rs_header("r"), rs()}}) {
        const std::string input = b64url(header.dump()) + "." + b64url(claims().dump());
        std::string sig = sign(input);
        EXPECT_EQ(outcome(verifier, input + "." + b64url(sig)), "ok");
        sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x01);
        EXPECT_EQ(outcome(verifier, input + "." + b64url(sig)), "token_bad_signature");
        EXPECT_EQ(outcome(verifier, input + "."), "token_bad_signature");
        EXPECT_EQ(outcome(verifier, input + "." + b64url(sig.substr(1))), "token_bad_signature");
    }
}

TEST_F(JwtVerifierTest, TamperedPayloadIsRejected) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    const std::string token = make_token(hs_header(), claims(), hs());
    json forged = claims();
    forged["sub"] = "admin";
    const auto dot1 = token.find('.');
    const auto dot2 = token.rfind('.');
    const std::string tampered = token.substr(0, dot1 + 1) + b64url(forged.dump()) + token.substr(dot2);
    EXPECT_EQ(outcome(verifier, tampered), "token_bad_signature");
}

TEST_F(JwtVerifierTest, RsaTokenFromAnotherKeyIsRejected) {
    const JwtVerifier verifier(config_with({rs_key("r")}));
    EXPECT_EQ(outcome(verifier, make_token(rs_header("r"), claims(), rs(other_rsa_key_.get()))), "token_bad_signature");
}

TEST_F(JwtVerifierTest, AlgNoneIsRejectedInAnyCase) {
    const JwtVerifier verifier(config_with({hs_key("k"), rs_key("r")}));
    for (const std::string alg : {"none", "None", "NONE", "nOnE"}) {
        for (const std::string kid : {"", "k", "r"}) {
            json header = {{"alg", alg}};
            if (!kid.empty()) header["kid"] = kid;
            const std::string unsigned_token = b64url(header.dump()) + "." + b64url(claims().dump()) + ".";
            EXPECT_EQ(outcome(verifier, unsigned_token), "token_algorithm_not_allowed") << alg << " " << kid;
            EXPECT_EQ(outcome(verifier, make_token(header, claims(), hs())), "token_algorithm_not_allowed") << alg;
        }
    }
}

TEST_F(JwtVerifierTest, OtherAlgorithmsAreRejected) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    for (const std::string alg : {"HS512", "hs256", "ES256", "PS256", "RS384", ""}) {
        EXPECT_EQ(outcome(verifier, make_token({{"alg", alg}}, claims(), hs())), "token_algorithm_not_allowed") << alg;
    }
}

TEST_F(JwtVerifierTest, AlgorithmConfusionWithPublicKeyAsHmacSecretIsRejected) {
    // The classic attack: take the public RSA PEM, use it as an HMAC secret, and claim HS256.
    const Signer forged = hs(rsa_pem_);
    {
        const JwtVerifier verifier(config_with({rs_key("r")}));
        EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(), forged)), "token_algorithm_not_allowed");
        EXPECT_EQ(outcome(verifier, make_token(hs_header("r"), claims(), forged)), "token_algorithm_not_allowed");
    }
    // With an HS256 key also configured, the forged token still matches no key.
    const JwtVerifier verifier(config_with({rs_key("r"), hs_key("h")}));
    EXPECT_EQ(outcome(verifier, make_token(hs_header(), claims(), forged)), "token_bad_signature");
    EXPECT_EQ(outcome(verifier, make_token(hs_header("r"), claims(), forged)), "token_algorithm_not_allowed");
    EXPECT_EQ(outcome(verifier, make_token(hs_header("h"), claims(), forged)), "token_bad_signature");
}

TEST_F(JwtVerifierTest, HeaderAlgMustEqualTheSelectedKeysAlgorithm) {
    const JwtVerifier verifier(config_with({rs_key("r"), hs_key("h")}));
    // A genuine RS256 signature, but the header names the HS256 key.
    EXPECT_EQ(outcome(verifier, make_token(rs_header("h"), claims(), rs())), "token_algorithm_not_allowed");
    // A genuine HS256 MAC, but the header names the RS256 key.
    EXPECT_EQ(outcome(verifier, make_token(hs_header("r"), claims(), hs())), "token_algorithm_not_allowed");
}

TEST_F(JwtVerifierTest, NoKeyForHeaderAlgorithmIsRejected) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    EXPECT_EQ(outcome(verifier, make_token(rs_header(), claims(), rs())), "token_algorithm_not_allowed");
}

TEST_F(JwtVerifierTest, WrongSegmentCountIsMalformed) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    const std::string token = make_token(hs_header(), claims(), hs());
    const std::string two = token.substr(0, token.rfind('.'));
    EXPECT_EQ(outcome(verifier, two), "token_malformed");
    EXPECT_EQ(outcome(verifier, token + ".AAAA"), "token_malformed");
    EXPECT_EQ(outcome(verifier, token + ".AAAA.AAAA"), "token_malformed");
    EXPECT_EQ(outcome(verifier, ""), "token_malformed");
    EXPECT_EQ(outcome(verifier, ".."), "token_malformed");
    EXPECT_EQ(outcome(verifier, "not a token"), "token_malformed");
}

TEST_F(JwtVerifierTest, NonStrictBase64IsMalformed) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    const std::string header = b64url(hs_header().dump());
    const std::string payload = b64url(claims().dump());
    const std::string sig = b64url(hmac_sha256(kSecret, header + "." + payload));
    ASSERT_EQ(outcome(verifier, header + "." + payload + "." + sig), "ok");
    // The 32-byte MAC encodes to 43 characters, so standard base64 would pad it with one '='.
    EXPECT_EQ(outcome(verifier, header + "." + payload + "." + sig + "="), "token_malformed");
    EXPECT_EQ(outcome(verifier, header + "=." + payload + "." + sig), "token_malformed");
    EXPECT_EQ(outcome(verifier, header + " ." + payload + "." + sig), "token_malformed");
    EXPECT_EQ(outcome(verifier, header + "." + payload + "." + sig.substr(0, 10) + "+" + sig.substr(11)),
              "token_malformed");
    EXPECT_EQ(outcome(verifier, header + "." + payload + "." + sig.substr(0, 10) + "/" + sig.substr(11)),
              "token_malformed");
    EXPECT_EQ(outcome(verifier, "*" + header.substr(1) + "." + payload + "." + sig), "token_malformed");
    // One character over a multiple of four cannot encode whole bytes.
    EXPECT_EQ(outcome(verifier, header + "." + payload + "." + sig + "AA"), "token_malformed");
    // 43 characters leave 2 unused bits; a last character that sets them is a second spelling.
    std::string loose = sig;
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    loose.back() = alphabet[alphabet.find(sig.back()) | 1];
    EXPECT_EQ(outcome(verifier, header + "." + payload + "." + loose), "token_malformed");
}

TEST_F(JwtVerifierTest, HeaderAndPayloadMustBeJsonObjects) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    auto raw_token = [](const std::string& header, const std::string& payload) {
        const std::string input = b64url(header) + "." + b64url(payload);
        return input + "." + b64url(hmac_sha256(kSecret, input));
    };
    const std::string good_header = hs_header().dump();
    const std::string good_payload = claims().dump();
    ASSERT_EQ(outcome(verifier, raw_token(good_header, good_payload)), "ok");
    EXPECT_EQ(outcome(verifier, raw_token("not json", good_payload)), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token("[\"HS256\"]", good_payload)), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token("\"HS256\"", good_payload)), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token(good_header + "x", good_payload)), "token_malformed");
    // The payload is properly signed in each case, so only its shape can be at fault.
    EXPECT_EQ(outcome(verifier, raw_token(good_header, "[1,2]")), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token(good_header, "\"claims\"")), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token(good_header, "42")), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token(good_header, "null")), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token(good_header, "{\"exp\": ")), "token_malformed");
    EXPECT_EQ(outcome(verifier, raw_token(good_header, "")), "token_malformed");
}

TEST_F(JwtVerifierTest, BadHeaderFieldsAreMalformed) {
    const JwtVerifier verifier(config_with({hs_key("k")}));
    EXPECT_EQ(outcome(verifier, make_token({{"typ", "JWT"}}, claims(), hs())), "token_malformed");
    EXPECT_EQ(outcome(verifier, make_token({{"alg", 256}}, claims(), hs())), "token_malformed");
    EXPECT_EQ(outcome(verifier, make_token({{"alg", "HS256"}, {"kid", 1}}, claims(), hs())), "token_malformed");
    EXPECT_EQ(outcome(verifier, make_token({{"alg", "HS256"}, {"crit", {"exp"}}, {"exp", 1}}, claims(), hs())),
              "token_malformed");
}

TEST_F(JwtVerifierTest, BadClaimTypesAreMalformed) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    auto with = [&](const char* name, const json& value) {
        json p = claims();
        p[name] = value;
        return outcome(verifier, make_token(hs_header(), p, hs()));
    };
    EXPECT_EQ(with("exp", "1700000300"), "token_malformed");
    EXPECT_EQ(with("exp", true), "token_malformed");
    EXPECT_EQ(with("nbf", json::array({1})), "token_malformed");
    EXPECT_EQ(with("sub", 42), "token_malformed");
    EXPECT_EQ(with("scope", json::array({"a"})), "token_malformed");
    EXPECT_EQ(with("scp", json::array({"a", 1})), "token_malformed");
}

TEST_F(JwtVerifierTest, HugeTokenIsMalformedEvenWhenSigned) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    json p = claims();
    p["pad"] = std::string(7000, 'x');
    const std::string huge = make_token(hs_header(), p, hs());
    ASSERT_GT(huge.size(), JwtVerifier::kMaxTokenSize);
    EXPECT_EQ(outcome(verifier, huge), "token_malformed");
    p["pad"] = std::string(5000, 'x');
    const std::string big = make_token(hs_header(), p, hs());
    ASSERT_LE(big.size(), JwtVerifier::kMaxTokenSize);
    EXPECT_EQ(outcome(verifier, big), "ok");
}

TEST_F(JwtVerifierTest, ErrorCarriesCodeAndMessage) {
    const JwtVerifier verifier(config_with({hs_key("")}));
    try {
        verifier.verify(make_token(hs_header(), claims(-3600), hs()), kNow);
        FAIL() << "expired token accepted";
    } catch (const JwtError& e) {
        EXPECT_EQ(e.code(), "token_expired");
        EXPECT_STRNE(e.what(), "");
    }
}

TEST_F(JwtVerifierTest, ConcurrentVerifiesAgree) {
    const JwtVerifier verifier(config_with({hs_key("h"), rs_key("r")}));
    const std::string hs_token = make_token(hs_header("h"), claims(), hs());
    const std::string rs_token = make_token(rs_header("r"), claims(), rs());
    const std::string bad_token = make_token(rs_header("r"), claims(), rs(other_rsa_key_.get()));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                if (outcome(verifier, hs_token) != "ok") ++wrong;
                if (outcome(verifier, rs_token) != "ok") ++wrong;
                if (outcome(verifier, bad_token) != "token_bad_signature") ++wrong;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);
}

TEST_F(JwtVerifierTest, ConstructorRejectsBadKeys) {
    EXPECT_THROW(JwtVerifier(config_with({})), std::invalid_argument);
    EXPECT_THROW(JwtVerifier(config_with({hs_key("h", "")})), std::invalid_argument);
    EXPECT_THROW(JwtVerifier(config_with({hs_key("h", std::string(31, 's'))})), std::invalid_argument);
    EXPECT_NO_THROW(JwtVerifier(config_with({hs_key("h", std::string(32, 's'))})));
    EXPECT_THROW(JwtVerifier(config_with({{"r", JwtAlgorithm::kRS256, "", "not a pem"}})), std::invalid_argument);
    EXPECT_THROW(JwtVerifier(config_with({{"r", JwtAlgorithm::kRS256, "", ""}})), std::invalid_argument);
    EXPECT_THROW(JwtVerifier(config_with({hs_key("same"), hs_key("same", kOtherSecret)})), std::invalid_argument);
    EXPECT_THROW(JwtVerifier(config_with({hs_key("same"), rs_key("same")})), std::invalid_argument);
    EXPECT_THROW(JwtVerifier(config_with({{"h", JwtAlgorithm::kHS256, kSecret, rsa_pem_}})), std::invalid_argument);
    EXPECT_THROW(JwtVerifier(config_with({{"r", JwtAlgorithm::kRS256, kSecret, rsa_pem_}})), std::invalid_argument);
    JwtConfig negative = config_with({hs_key("")});
    negative.leeway = -1s;
    EXPECT_THROW(JwtVerifier(std::move(negative)), std::invalid_argument);
}

TEST_F(JwtVerifierTest, ConstructorRejectsNonRsaAndShortRsaKeys) {
    Pkey ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    ASSERT_TRUE(ec);
    EXPECT_THROW(JwtVerifier(config_with({{"ec", JwtAlgorithm::kRS256, "", public_pem(ec.get())}})),
                 std::invalid_argument);
    Pkey small(EVP_RSA_gen(1024));
    ASSERT_TRUE(small);
    EXPECT_THROW(JwtVerifier(config_with({{"small", JwtAlgorithm::kRS256, "", public_pem(small.get())}})),
                 std::invalid_argument);
}

}  // namespace
}  // namespace vg::services::gateway
