// The real `visiongrid gateway` deciding who may pass: API keys and JWTs, rate limits (local and
// shared through Redis), CORS, and a SIGHUP reload under load.
#include <gtest/gtest.h>
#include <openssl/rsa.h>
#include <openssl/evp.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "integration/gateway_harness.hpp"
#include "support/jwt_tokens.hpp"
#include "support/redis_server.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

long long now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string bearer(const std::string& credential) {
    return "Authorization: Bearer " + credential + "\r\n";
}
std::string api_key(const std::string& key) {
    return "X-API-Key: " + key + "\r\n";
}

const std::string kAlice = "vg_alice-key-for-the-integration-tests";
const std::string kBob = "vg_bob-key-for-the-integration-tests";
const std::string kSecret = "0123456789abcdef0123456789abcdef-gateway-hs256";

struct AuthCase {
    std::string name;
    std::string target;
    std::string headers;
    int status;
    std::string code;  // empty for a 200
};

TEST(GatewayAuthTest, CredentialsMatrixOnAScopedRoute) {
    Pkey rsa(EVP_RSA_gen(2048));
    ASSERT_TRUE(rsa);
    TempFile pem(".pem");
    pem.write(public_pem(rsa.get()));
    // One key hashed by the binary's own tool, to show its output is what the config takes.
    const std::string carol = "vg_carol-key-hashed-by-the-cli";
    auto hashed = run_command(VG_BINARY, {"gateway", "hash-key", carol});
    ASSERT_EQ(hashed.exit_code, 0) << hashed.output;
    std::string carol_hash = hashed.output.substr(0, hashed.output.find('\n'));
    ASSERT_TRUE(carol_hash.starts_with("sha256$")) << carol_hash;

    FakeUpstream upstream;
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: model, prefix: /api/model/, upstream: backend, scopes: [model]}
  - {name: public, prefix: /public/, upstream: backend, auth: none}
auth:
  api_keys:
    - {name: alice, hash: "@ALICE@", scopes: [model]}
    - {name: bob, hash: "@BOB@", scopes: [business]}
    - {name: carol, hash: "@CAROL@", scopes: [model]}
  jwt:
    issuer: https://issuer.test
    audiences: [visiongrid]
    keys:
      - {kid: hs, algorithm: HS256, secret: "@SECRET@"}
      - {kid: rs, algorithm: RS256, public_key_file: "@PEM@"}
)",
                                             {{"UP", port_text(upstream.port())},
                                              {"ALICE", api_key_hash(kAlice)},
                                              {"BOB", api_key_hash(kBob)},
                                              {"CAROL", carol_hash},
                                              {"SECRET", kSecret},
                                              {"PEM", pem.path()}})));

    const json claims{{"sub", "user-1"},
                      {"scope", "model"},
                      {"iss", "https://issuer.test"},
                      {"aud", "visiongrid"},
                      {"exp", now_seconds() + 300}};
    json expired_claims = claims;
    expired_claims["exp"] = now_seconds() - 3600;
    const auto hs = [](const std::string& input) { return hmac_sha256(kSecret, input); };
    const std::string hs_token = make_token({{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "hs"}}, claims, hs);
    const std::string rs_token = make_token({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "rs"}}, claims,
                                       [&](const std::string& input) { return rsa_sha256(rsa.get(), input); });
    const std::string expired = make_token({{"alg", "HS256"}, {"kid", "hs"}}, expired_claims, hs);
    const std::string forged = make_token({{"alg", "HS256"}, {"kid", "hs"}}, claims,
                                     [](const std::string& input) { return hmac_sha256(kSecret + "-not-it", input); });
    const std::string unsigned_token =
        b64url(json{{"alg", "none"}, {"typ", "JWT"}}.dump()) + "." + b64url(claims.dump()) + ".";

    const std::vector<AuthCase> cases = {
        {"no credentials", "/api/model/x", "", 401, "unauthenticated"},
        {"unknown API key", "/api/model/x", api_key("vg_not-a-key"), 401, "invalid_api_key"},
        {"key without the scope", "/api/model/x", bearer(kBob), 403, "insufficient_scope"},
        {"expired JWT", "/api/model/x", bearer(expired), 401, "token_expired"},
        {"JWT with a bad signature", "/api/model/x", bearer(forged), 401, "token_bad_signature"},
        {"JWT with alg none", "/api/model/x", bearer(unsigned_token), 401, "token_algorithm_not_allowed"},
        {"API key in X-API-Key", "/api/model/x", api_key(kAlice), 200, ""},
        {"API key as a bearer token (hashed by the CLI)", "/api/model/x", bearer(carol), 200, ""},
        {"HS256 JWT", "/api/model/x", bearer(hs_token), 200, ""},
        {"RS256 JWT", "/api/model/x", bearer(rs_token), 200, ""},
        {"route with auth: none", "/public/x", "", 200, ""},
        {"health", "/health", "", 200, ""},
    };
    for (const auto& c : cases) {
        auto response = gateway.request("GET", c.target, "", c.headers);
        ASSERT_TRUE(response) << c.name;
        EXPECT_EQ(response->status, c.status) << c.name << ": " << response->body;
        if (!c.code.empty()) {
            EXPECT_EQ(error_code(*response), c.code) << c.name << ": " << response->body;
        }
    }

    // Only the five admitted proxied requests reached the upstream, with the principal and without the credential.
    const auto seen = upstream.requests();
    ASSERT_EQ(seen.size(), 5u);
    EXPECT_EQ(seen[0].headers.get_or("X-VisionGrid-Principal", ""), "alice");
    EXPECT_EQ(seen[2].headers.get_or("X-VisionGrid-Principal", ""), "jwt:user-1");
    for (const auto& request : seen) {
        EXPECT_FALSE(request.headers.contains("Authorization")) << request.target;
        EXPECT_FALSE(request.headers.contains("X-API-Key")) << request.target;
    }
}

TEST(GatewayRateLimitTest, TwoGatewaysShareOneKeysLimitThroughRedis) {
    if (!redis_server_available()) GTEST_SKIP() << "redis-server not installed: run scripts/install-deps";
    RedisServer redis;
    FakeUpstream upstream;
    const std::string config = gateway_file(fill(
        R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: model, prefix: /api/model/, upstream: backend, scopes: [model]}
auth:
  api_keys:
    - {name: alice, hash: "@ALICE@", scopes: [model], rate_limit: {rate_per_second: 0.001, burst: 10}}
rate_limits:
  backend: redis
  fail_open: false
  redis: {host: 127.0.0.1, port: @REDIS@}
)",
        {{"UP", port_text(upstream.port())}, {"ALICE", api_key_hash(kAlice)}, {"REDIS", port_text(redis.port())}}));
    GatewayProcess first(config);
    GatewayProcess second(config);

    int allowed = 0;
    std::vector<int> remaining_after_allowed;
    for (int i = 0; i < 30; ++i) {
        auto& gateway = i % 2 == 0 ? first : second;
        auto response = gateway.request("GET", "/api/model/x", "", api_key(kAlice));
        ASSERT_TRUE(response) << i;
        EXPECT_EQ(response->headers.get_or("X-RateLimit-Limit", ""), "10") << i;
        ASSERT_TRUE(response->headers.contains("X-RateLimit-Remaining")) << i;
        const int remaining = std::stoi(std::string(response->headers.get_or("X-RateLimit-Remaining", "")));
        if (response->status == 200) {
            ++allowed;
            remaining_after_allowed.push_back(remaining);
            continue;
        }
        EXPECT_EQ(response->status, 429) << i << ": " << response->body;
        EXPECT_EQ(error_code(*response), "rate_limited") << i;
        EXPECT_GE(std::stoi(std::string(response->headers.get_or("Retry-After", "0"))), 1) << i;
        EXPECT_EQ(remaining, 0) << i;
    }
    EXPECT_EQ(allowed, 10);
    EXPECT_EQ(remaining_after_allowed, (std::vector<int>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0})) << "one bucket, both gateways";
    EXPECT_EQ(upstream.request_count(), 10u);
}

TEST(GatewayRateLimitTest, PerIpLimitAnswers429WithRetryAfter) {
    FakeUpstream upstream;
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: open, prefix: /open/, upstream: backend, auth: none}
rate_limits:
  per_ip: {rate_per_second: 0.001, burst: 3}
)",
                                             {{"UP", port_text(upstream.port())}})));
    for (int i = 0; i < 3; ++i) {
        auto response = gateway.request("GET", "/open/x");
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 200) << i << ": " << response->body;
        EXPECT_EQ(response->headers.get_or("X-RateLimit-Remaining", ""), std::to_string(2 - i));
    }
    auto limited = gateway.request("GET", "/open/x");
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->status, 429) << limited->body;
    EXPECT_EQ(error_code(*limited), "rate_limited");
    EXPECT_GE(std::stoi(std::string(limited->headers.get_or("Retry-After", "0"))), 1);
    EXPECT_EQ(upstream.request_count(), 3u);
    EXPECT_EQ(gateway.metric("visiongrid_gateway_rate_limited_total{scope=\"ip\"}"), 1.0) << gateway.metrics();
}

TEST(GatewayCorsTest, PreflightFromAnAllowedOriginIs204AndOthersAreRefused) {
    FakeUpstream upstream;
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: open, prefix: /open/, upstream: backend, auth: none}
cors:
  allowed_origins: ["https://app.example.com"]
)",
                                             {{"UP", port_text(upstream.port())}})));
    auto preflight = gateway.request("OPTIONS", "/open/x", "",
                                     "Origin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n"
                                     "Access-Control-Request-Headers: Content-Type\r\n");
    ASSERT_TRUE(preflight);
    EXPECT_EQ(preflight->status, 204);
    EXPECT_EQ(preflight->headers.get_or("Access-Control-Allow-Origin", ""), "https://app.example.com");
    EXPECT_NE(preflight->headers.get_or("Access-Control-Allow-Methods", "").find("POST"), std::string_view::npos);

    auto foreign = gateway.request("OPTIONS", "/open/x", "",
                                   "Origin: https://evil.example.net\r\nAccess-Control-Request-Method: POST\r\n");
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->status, 403);
    EXPECT_EQ(error_code(*foreign), "cors_origin_not_allowed");
    EXPECT_FALSE(foreign->headers.contains("Access-Control-Allow-Origin"));

    auto simple = gateway.request("GET", "/open/x", "", "Origin: https://app.example.com\r\n");
    ASSERT_TRUE(simple);
    EXPECT_EQ(simple->status, 200);
    EXPECT_EQ(simple->headers.get_or("Access-Control-Allow-Origin", ""), "https://app.example.com");
    EXPECT_EQ(upstream.request_count(), 1u) << "preflights are answered by the gateway";
}

TEST(GatewayReloadTest, SighupAddsAKeyAndARouteWithoutFailingARequest) {
    auto slow_gate = std::make_shared<Gate>();
    FakeUpstream upstream([&](const RecordedRequest& request) {
        if (request.target == "/api/a/slow") return Reply::ok("slow done").after(slow_gate);
        return Reply::ok("fine");
    });
    const std::string v1 = R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: a, prefix: /api/a/, upstream: backend, scopes: [a]}
auth:
  api_keys:
    - {name: alice, hash: "@ALICE@", scopes: [a]}
)";
    const std::string v2 = R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: a, prefix: /api/a/, upstream: backend, scopes: [a]}
  - {name: b, prefix: /api/b/, upstream: backend, scopes: [b]}
auth:
  api_keys:
    - {name: alice, hash: "@ALICE@", scopes: [a]}
    - {name: bob, hash: "@BOB@", scopes: [b]}
)";
    const std::map<std::string, std::string> values{
        {"UP", port_text(upstream.port())}, {"ALICE", api_key_hash(kAlice)}, {"BOB", api_key_hash(kBob)}};
    GatewayProcess gateway(gateway_file(fill(v1, values)));
    const auto bob_on_b = [&] { return gateway.request("GET", "/api/b/x", "", api_key(kBob)); };
    auto before = bob_on_b();
    ASSERT_TRUE(before);
    EXPECT_EQ(before->status, 404) << before->body;
    EXPECT_EQ(error_code(*before), "route_not_found");

    RawConnection long_request(gateway.port());
    ASSERT_TRUE(long_request.send("GET /api/a/slow HTTP/1.1\r\nHost: x\r\n" + api_key(kAlice) + "\r\n"));
    ASSERT_TRUE(poll_until([&] {
        for (const auto& r : upstream.requests()) {
            if (r.target == "/api/a/slow") return true;
        }
        return false;
    })) << "the long request is in flight upstream";

    RequestLoop load([&] { return gateway.request("GET", "/api/a/x", "", api_key(kAlice)); });
    ASSERT_TRUE(load.wait_for_more(10));

    // A broken file is refused and the running configuration kept.
    gateway.reload(gateway_file("routes: [{prefix: nonsense}]\n"));
    ASSERT_TRUE(poll_until([&] { return gateway.process().stderr_text().find("reload failed") != std::string::npos; }))
        << gateway.process().stderr_text();
    ASSERT_TRUE(load.wait_for_more(10));

    gateway.reload(gateway_file(fill(v2, values)));
    ASSERT_TRUE(poll_until([&] {
        auto response = bob_on_b();
        return response && response->status == 200;
    })) << "the new key on the new route";
    ASSERT_TRUE(load.wait_for_more(10)) << "the old key keeps working after the reload";

    slow_gate->open();
    auto slow = long_request.read_response(5s);
    ASSERT_TRUE(slow) << "the request in flight across the reload";
    EXPECT_EQ(slow->status, 200);
    EXPECT_EQ(slow->body, "slow done");

    load.stop();
    EXPECT_EQ(load.failed(), 0u) << "of " << load.sent() << "; first: " << testing::PrintToString(load.failures());
    EXPECT_EQ(gateway.stop(), 0) << gateway.process().stderr_text();
}

}  // namespace
}  // namespace vg::test
