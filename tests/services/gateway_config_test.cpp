#include "services/gateway/gateway_config.hpp"

#include "support/jwt_tokens.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

namespace vg::services::gateway {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Parses `yaml` as the `gateway` section; keeps the trees alive for the duration of the test.
class GatewayConfigTest : public ::testing::Test {
protected:
    GatewayConfig parse(const std::string& yaml) {
        source_ = YAML::Load(yaml);
        effective_ = YAML::Node(YAML::NodeType::Map);
        return parse_gateway_config(ConfigNode(source_, effective_, "gateway"));
    }

    // The ConfigError message parsing `yaml` throws.
    std::string error_of(const std::string& yaml) {
        try {
            parse(yaml);
        } catch (const ConfigError& e) {
            return e.what();
        }
        ADD_FAILURE() << "expected ConfigError for:\n" << yaml;
        return {};
    }

    static const RouteConfig* route_named(const GatewayConfig& config, const std::string& name) {
        for (const auto& route : config.routes) {
            if (route.name == name) return &route;
        }
        return nullptr;
    }

    YAML::Node source_;
    YAML::Node effective_;
};

// A directory removed with everything in it when the test ends.
class TempDir {
public:
    TempDir() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() / ("vg-gateway-config-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

std::string rsa_public_pem() {
    test::Pkey key(EVP_RSA_gen(2048));
    EXPECT_TRUE(key);
    return test::public_pem(key.get());
}

const std::string kUpstreams = R"(
  upstreams:
    model: {instances: ["10.0.0.1:9001"]}
    business: {instances: ["10.0.0.2:9002"], retry: {max_attempts: 4}}
)";

// --- defaults ------------------------------------------------------------------------------------

TEST_F(GatewayConfigTest, EmptySectionFrontsTheLocalRoles) {
    auto config = parse("{}");
    EXPECT_EQ(config.server.port, 8080);
    EXPECT_EQ(config.client_threads, 2u);
    ASSERT_EQ(config.upstreams.size(), 3u);
    EXPECT_THAT(config.upstreams.at("model").instances, ElementsAre(cluster::Endpoint{"127.0.0.1", 8081, 1}));
    EXPECT_THAT(config.upstreams.at("business").instances, ElementsAre(cluster::Endpoint{"127.0.0.1", 8082, 1}));
    EXPECT_THAT(config.upstreams.at("monitor").instances, ElementsAre(cluster::Endpoint{"127.0.0.1", 8083, 1}));
    EXPECT_EQ(config.upstreams.at("model").name, "model");
    EXPECT_EQ(config.upstream_fingerprints.size(), 3u);
}

TEST_F(GatewayConfigTest, EmptySectionHasTheDefaultRoutes) {
    auto config = parse("{}");
    std::vector<std::string> prefixes;
    for (const auto& route : config.routes) prefixes.push_back(route.prefix);
    EXPECT_THAT(prefixes, ElementsAre("/api/model/", "/v1/", "/api/product/", "/api/homework/", "/api/medical/",
                                      "/api/results", "/api/jobs", "/api/tasks", "/api/cluster", "/api/series", "/api/alerts",
                                      "/console/"));

    const auto* model = route_named(config, "model");
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->upstream, "model");
    EXPECT_EQ(model->timeout, 120s);
    ASSERT_TRUE(model->body_limit);
    EXPECT_EQ(model->body_limit->bytes, 64u << 20);
    EXPECT_TRUE(model->auth_required);
    EXPECT_THAT(model->scopes, ElementsAre("model"));
    EXPECT_FALSE(model->rewrite);
    EXPECT_TRUE(model->methods.empty());

    const auto* openai = route_named(config, "openai");
    ASSERT_NE(openai, nullptr);
    EXPECT_EQ(openai->timeout, 300s);

    const auto* results = route_named(config, "results");
    ASSERT_NE(results, nullptr);
    EXPECT_EQ(results->upstream, "business");
    EXPECT_EQ(results->timeout, 30s);
    EXPECT_FALSE(results->body_limit);

    const auto* jobs = route_named(config, "jobs");
    ASSERT_NE(jobs, nullptr);
    EXPECT_EQ(jobs->body_limit->bytes, 256u << 20);

    const auto* alerts = route_named(config, "alerts");
    ASSERT_NE(alerts, nullptr);
    EXPECT_EQ(alerts->upstream, "monitor");
    EXPECT_THAT(alerts->scopes, ElementsAre("monitor"));

    // The console's static files are the one public route: every API they call needs a key.
    const auto* console = route_named(config, "console");
    ASSERT_NE(console, nullptr);
    EXPECT_EQ(console->upstream, "monitor");
    EXPECT_FALSE(console->auth_required);
    EXPECT_THAT(console->methods, ElementsAre("GET", "HEAD"));
    for (const auto& route : config.routes) {
        if (route.name != "console") {
            EXPECT_TRUE(route.auth_required) << route.name;
        }
    }
}

TEST_F(GatewayConfigTest, EmptySectionDefaultsTheOtherSections) {
    auto config = parse("{}");
    EXPECT_TRUE(config.auth.api_keys.empty());
    EXPECT_FALSE(config.auth.jwt);
    EXPECT_FALSE(config.auth.jwt_rate_limit);
    EXPECT_EQ(config.rate_limits.backend, "local");
    EXPECT_TRUE(config.rate_limits.fail_open);
    EXPECT_FALSE(config.rate_limits.per_ip);
    EXPECT_FALSE(config.rate_limits.per_key);
    EXPECT_TRUE(config.rate_limits.trusted_proxies.empty());
    EXPECT_TRUE(config.cors.allowed_origins.empty());
    EXPECT_EQ(config.cors.max_age, 600s);
}

TEST_F(GatewayConfigTest, GivenUpstreamsReplaceTheDefaults) {
    auto config = parse(kUpstreams + R"(
  routes:
    - {prefix: /api/model/, upstream: model}
)");
    EXPECT_EQ(config.upstreams.size(), 2u);
    EXPECT_FALSE(config.upstreams.contains("monitor"));
    ASSERT_EQ(config.routes.size(), 1u);
    EXPECT_EQ(config.routes[0].name, "/api/model/");  // the prefix stands in for a missing name
}

// --- a full section ------------------------------------------------------------------------------

TEST_F(GatewayConfigTest, FullSection) {
    const std::string hash = hash_api_key("vg_test_key_one");
    auto config = parse(R"(
  server: {port: 9000}
  client_threads: 4
)" + kUpstreams + R"(
  routes:
    - name: model
      prefix: /api/model/
      upstream: model
      rewrite: ""
      methods: [POST]
      timeout: 90s
      body_limit: 8MiB
      scopes: [model, admin]
      affinity: "header:X-Session"
    - name: health
      prefix: /healthz
      upstream: business
      rewrite: /internal/health
      methods: [GET, HEAD]
      auth: none
      idempotent: true
      retry: {max_attempts: 2, per_try_timeout: 500ms}
      affinity: client_ip
    - name: results
      prefix: /api/results
      upstream: business
      affinity: body
  auth:
    api_keys:
      - {name: ci, hash: ")" +
                        hash + R"(", scopes: [model], rate_limit: {rate_per_second: 5, burst: 10}}
    jwt_rate_limit: {rate_per_second: 1, burst: 2}
  rate_limits:
    backend: redis
    fail_open: false
    redis: {host: redis.internal, port: 6380, password: pw, database: 2, timeout: 150ms, key_prefix: "gw:", pool_size: 8}
    per_ip: {rate_per_second: 100, burst: 200}
    per_key: {rate_per_second: 10, burst: 20}
    trusted_proxies: [10.0.0.5, 10.0.0.6]
  cors:
    allowed_origins: ["https://console.example.com"]
    allowed_methods: [GET, POST]
    allowed_headers: [Authorization]
    exposed_headers: [X-Request-Id]
    max_age: 1m
)");
    EXPECT_EQ(config.server.port, 9000);
    EXPECT_EQ(config.client_threads, 4u);
    ASSERT_EQ(config.routes.size(), 3u);

    const RouteConfig& model = config.routes[0];
    EXPECT_EQ(model.name, "model");
    EXPECT_EQ(model.prefix, "/api/model/");
    EXPECT_EQ(model.upstream, "model");
    ASSERT_TRUE(model.rewrite);
    EXPECT_EQ(*model.rewrite, "");
    EXPECT_THAT(model.methods, ElementsAre("POST"));
    EXPECT_EQ(model.timeout, 90s);
    ASSERT_TRUE(model.body_limit);
    EXPECT_EQ(model.body_limit->bytes, 8u << 20);
    EXPECT_TRUE(model.auth_required);
    EXPECT_THAT(model.scopes, ElementsAre("model", "admin"));
    EXPECT_EQ(model.affinity.source, AffinityConfig::Source::kHeader);
    EXPECT_EQ(model.affinity.header, "X-Session");
    EXPECT_EQ(model.retry.max_attempts, 3);  // the model upstream's (default) policy
    EXPECT_FALSE(model.retry.idempotent);

    const RouteConfig& health = config.routes[1];
    EXPECT_EQ(*health.rewrite, "/internal/health");
    EXPECT_THAT(health.methods, ElementsAre("GET", "HEAD"));
    EXPECT_FALSE(health.auth_required);
    EXPECT_EQ(health.retry.max_attempts, 2);  // the route's override
    EXPECT_EQ(health.retry.per_try_timeout, 500ms);
    EXPECT_TRUE(health.retry.idempotent);
    EXPECT_EQ(health.affinity.source, AffinityConfig::Source::kClientIp);

    const RouteConfig& results = config.routes[2];
    EXPECT_EQ(results.retry.max_attempts, 4);  // inherited from the business upstream
    EXPECT_EQ(results.affinity.source, AffinityConfig::Source::kBody);
    EXPECT_FALSE(results.rewrite);

    ASSERT_EQ(config.auth.api_keys.size(), 1u);
    EXPECT_EQ(config.auth.api_keys[0].entry.name, "ci");
    EXPECT_EQ(config.auth.api_keys[0].entry.hash, hash);
    EXPECT_THAT(config.auth.api_keys[0].entry.scopes, ElementsAre("model"));
    ASSERT_TRUE(config.auth.api_keys[0].rate_limit);
    EXPECT_EQ(config.auth.api_keys[0].rate_limit->rate_per_second, 5);
    EXPECT_EQ(config.auth.api_keys[0].rate_limit->burst, 10);
    ASSERT_TRUE(config.auth.jwt_rate_limit);
    EXPECT_EQ(config.auth.jwt_rate_limit->burst, 2);

    const auto& limits = config.rate_limits;
    EXPECT_EQ(limits.backend, "redis");
    EXPECT_FALSE(limits.fail_open);
    EXPECT_EQ(limits.redis.host, "redis.internal");
    EXPECT_EQ(limits.redis.port, 6380);
    EXPECT_EQ(limits.redis.password, "pw");
    EXPECT_EQ(limits.redis.database, 2);
    EXPECT_EQ(limits.redis.timeout, 150ms);
    EXPECT_EQ(limits.redis.key_prefix, "gw:");
    EXPECT_EQ(limits.redis.pool_size, 8u);
    ASSERT_TRUE(limits.per_ip);
    EXPECT_EQ(limits.per_ip->rate_per_second, 100);
    ASSERT_TRUE(limits.per_key);
    EXPECT_EQ(limits.per_key->burst, 20);
    EXPECT_THAT(limits.trusted_proxies, ElementsAre("10.0.0.5", "10.0.0.6"));

    EXPECT_THAT(config.cors.allowed_origins, ElementsAre("https://console.example.com"));
    EXPECT_THAT(config.cors.allowed_methods, ElementsAre("GET", "POST"));
    EXPECT_THAT(config.cors.allowed_headers, ElementsAre("Authorization"));
    EXPECT_THAT(config.cors.exposed_headers, ElementsAre("X-Request-Id"));
    EXPECT_EQ(config.cors.max_age, 60s);
}

TEST_F(GatewayConfigTest, UpstreamFingerprintsFollowTheirOwnSection) {
    auto first = parse(kUpstreams + "  routes: [{prefix: /a, upstream: model}]\n");
    auto second = parse(R"(
  upstreams:
    model: {instances: ["10.0.0.1:9001"]}
    business: {instances: ["10.0.0.2:9002"], retry: {max_attempts: 5}}
  routes: [{prefix: /a, upstream: model}]
)");
    EXPECT_EQ(first.upstream_fingerprints.at("model"), second.upstream_fingerprints.at("model"));
    EXPECT_NE(first.upstream_fingerprints.at("business"), second.upstream_fingerprints.at("business"));
}

// --- rejected routes -----------------------------------------------------------------------------

TEST_F(GatewayConfigTest, RouteNamingAnUnknownUpstreamIsRejected) {
    auto message = error_of(kUpstreams + R"(
  routes:
    - {prefix: /a, upstream: model}
    - {prefix: /b, upstream: billing}
)");
    EXPECT_THAT(message, HasSubstr("gateway.routes[1].upstream"));
    EXPECT_THAT(message, HasSubstr("'billing'"));
    EXPECT_THAT(message, HasSubstr("business, model"));
}

TEST_F(GatewayConfigTest, DefaultRoutesNeedTheDefaultUpstreams) {
    // Upstreams given without routes: the default routes name "monitor", which is missing.
    auto message = error_of(kUpstreams);
    EXPECT_THAT(message, HasSubstr("upstream"));
    EXPECT_THAT(message, HasSubstr("'monitor'"));
}

TEST_F(GatewayConfigTest, DuplicatePrefixesAreRejected) {
    auto message = error_of(kUpstreams + R"(
  routes:
    - {name: one, prefix: /api/x/, upstream: model}
    - {name: two, prefix: /api/x/, upstream: business}
)");
    EXPECT_THAT(message, HasSubstr("gateway.routes[1].prefix"));
    EXPECT_THAT(message, HasSubstr("duplicate prefix '/api/x/'"));
}

TEST_F(GatewayConfigTest, BadRouteValuesAreRejected) {
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: api, upstream: model}]\n"),
                HasSubstr("gateway.routes[0].prefix: must start with '/'"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{upstream: model}]\n"), HasSubstr("gateway.routes[0].prefix"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a/../b, upstream: model}]\n"),
                HasSubstr("gateway.routes[0].prefix"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, timeout: 0s}]\n"),
                HasSubstr("gateway.routes[0].timeout"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, auth: maybe}]\n"),
                HasSubstr("gateway.routes[0].auth: 'maybe' is not one of: required, none"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, affinity: cookie}]\n"),
                HasSubstr("gateway.routes[0].affinity"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, affinity: \"header:\"}]\n"),
                HasSubstr("gateway.routes[0].affinity"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, retry: {max_attempts: 0}}]\n"),
                HasSubstr("gateway.routes[0].retry"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: {a: {prefix: /a}}\n"), HasSubstr("gateway.routes: must be a list"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [/a]\n"), HasSubstr("gateway.routes[0]"));
    EXPECT_THAT(error_of("  upstreams: [model]\n"), HasSubstr("gateway.upstreams"));
    EXPECT_THAT(error_of("  client_threads: 0\n"), HasSubstr("gateway.client_threads"));
}

// --- unknown keys --------------------------------------------------------------------------------

TEST_F(GatewayConfigTest, UnknownKeysAreRejectedWithTheirFullPath) {
    EXPECT_THAT(error_of("  colour: blue\n"), HasSubstr("gateway.colour: unknown key"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, colour: blue}]\n"),
                HasSubstr("gateway.routes[0].colour: unknown key"));
    EXPECT_THAT(error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, retry: {colour: blue}}]\n"),
                HasSubstr("gateway.routes[0].retry.colour: unknown key"));
    EXPECT_THAT(error_of("  upstreams: {model: {instances: [\"h:1\"], colour: blue}}\n"),
                HasSubstr("gateway.upstreams.model.colour: unknown key"));
    EXPECT_THAT(error_of("  auth: {colour: blue}\n"), HasSubstr("gateway.auth.colour: unknown key"));
    EXPECT_THAT(error_of("  auth: {api_keys: [{name: a, hash: x, colour: blue}]}\n"),
                HasSubstr("gateway.auth.api_keys[0].colour: unknown key"));
    EXPECT_THAT(error_of("  auth: {jwt: {keys: [{secret: x, colour: blue}]}}\n"),
                HasSubstr("gateway.auth.jwt.keys[0].colour: unknown key"));
    EXPECT_THAT(error_of("  auth: {jwt_rate_limit: {burst: 1, colour: blue}}\n"),
                HasSubstr("gateway.auth.jwt_rate_limit.colour: unknown key"));
    EXPECT_THAT(error_of("  rate_limits: {redis: {colour: blue}}\n"),
                HasSubstr("gateway.rate_limits.redis.colour: unknown key"));
    EXPECT_THAT(error_of("  rate_limits: {per_ip: {burst: 1, colour: blue}}\n"),
                HasSubstr("gateway.rate_limits.per_ip.colour: unknown key"));
    EXPECT_THAT(error_of("  cors: {colour: blue}\n"), HasSubstr("gateway.cors.colour: unknown key"));
}

TEST_F(GatewayConfigTest, UnknownKeyMessageListsTheAllowedNames) {
    auto message = error_of(kUpstreams + "  routes: [{prefix: /a, upstream: model, timeuot: 1s}]\n");
    EXPECT_THAT(message, HasSubstr("timeuot"));
    EXPECT_THAT(message, HasSubstr("timeout"));
    EXPECT_THAT(message, HasSubstr("rewrite"));
    EXPECT_THAT(message, HasSubstr("retry"));
}

TEST_F(GatewayConfigTest, NullOptionalValuesMeanUnset) {
    // `key:` with no value is YAML null: the default, never an "unknown key".
    auto config = parse(kUpstreams + R"(
  routes:
    - {prefix: /a, upstream: model, rewrite: null, body_limit: null, retry: null}
  auth: {jwt: null}
)");
    ASSERT_EQ(config.routes.size(), 1u);
    EXPECT_FALSE(config.routes[0].rewrite);
    EXPECT_FALSE(config.routes[0].body_limit);
    EXPECT_FALSE(config.auth.jwt);
}

// --- auth ----------------------------------------------------------------------------------------

TEST_F(GatewayConfigTest, BadApiKeyHashIsRejectedNamingTheKey) {
    const std::string good = hash_api_key("vg_good");
    auto message = error_of(R"(
  auth:
    api_keys:
      - {name: good, hash: ")" +
                            good + R"("}
      - {name: broken-key, hash: "sha256$zz$00"}
)");
    EXPECT_THAT(message, HasSubstr("gateway.auth.api_keys[1].hash"));
    EXPECT_THAT(message, HasSubstr("broken-key"));
}

TEST_F(GatewayConfigTest, ApiKeysNeedAUniqueName) {
    const std::string hash = hash_api_key("vg_key");
    EXPECT_THAT(error_of("  auth: {api_keys: [{hash: \"" + hash + "\"}]}\n"),
                HasSubstr("gateway.auth.api_keys[0].name"));
    auto message =
        error_of("  auth: {api_keys: [{name: a, hash: \"" + hash + "\"}, {name: a, hash: \"" + hash + "\"}]}\n");
    EXPECT_THAT(message, HasSubstr("gateway.auth.api_keys"));
    EXPECT_THAT(message, HasSubstr("duplicate name 'a'"));
}

TEST_F(GatewayConfigTest, BadRateLimitsAreRejected) {
    EXPECT_THAT(error_of("  rate_limits: {per_ip: {rate_per_second: 1, burst: 0}}\n"),
                HasSubstr("gateway.rate_limits.per_ip.burst"));
    EXPECT_THAT(error_of("  rate_limits: {per_key: {rate_per_second: -1, burst: 5}}\n"),
                HasSubstr("gateway.rate_limits.per_key.rate_per_second"));
    // Infinities pass the range checks but every limiter would refuse them on each request.
    EXPECT_THAT(error_of("  rate_limits: {per_key: {rate_per_second: .inf, burst: 5}}\n"),
                HasSubstr("gateway.rate_limits.per_key: rate limit: rate_per_second must be a finite number"));
    EXPECT_THAT(error_of("  auth: {jwt_rate_limit: {rate_per_second: 1, burst: .inf}}\n"),
                HasSubstr("gateway.auth.jwt_rate_limit: rate limit: burst must be a finite number"));
    EXPECT_THAT(error_of("  rate_limits: {backend: memcached}\n"), HasSubstr("gateway.rate_limits.backend"));
}

TEST_F(GatewayConfigTest, BadRedisSettingsAreRejectedAtStartUp) {
    EXPECT_THAT(error_of("  rate_limits: {backend: redis, redis: {port: 0}}\n"),
                HasSubstr("gateway.rate_limits.redis: redis: port must be in 1..65535"));
    EXPECT_THAT(error_of("  rate_limits: {backend: redis, redis: {pool_size: 0}}\n"), HasSubstr("pool_size"));
    EXPECT_THAT(error_of("  rate_limits: {backend: redis, redis: {timeout: 0ms}}\n"), HasSubstr("timeout"));
}

TEST_F(GatewayConfigTest, JwtWithAnHs256Secret) {
    auto config = parse(R"(
  auth:
    jwt:
      issuer: https://issuer.example.com
      audiences: [visiongrid]
      leeway: 5s
      require_exp: false
      keys:
        - {kid: main, secret: "0123456789abcdef0123456789abcdef"}
)");
    ASSERT_TRUE(config.auth.jwt);
    const JwtConfig& jwt = *config.auth.jwt;
    EXPECT_EQ(jwt.issuer, "https://issuer.example.com");
    EXPECT_THAT(jwt.audiences, ElementsAre("visiongrid"));
    EXPECT_EQ(jwt.leeway, 5s);
    EXPECT_FALSE(jwt.require_exp);
    ASSERT_EQ(jwt.keys.size(), 1u);
    EXPECT_EQ(jwt.keys[0].kid, "main");
    EXPECT_EQ(jwt.keys[0].algorithm, JwtAlgorithm::kHS256);
    EXPECT_EQ(jwt.keys[0].secret, "0123456789abcdef0123456789abcdef");
}

TEST_F(GatewayConfigTest, JwtDefaults) {
    auto config = parse("  auth: {jwt: {keys: [{secret: \"0123456789abcdef0123456789abcdef\"}]}}\n");
    ASSERT_TRUE(config.auth.jwt);
    EXPECT_EQ(config.auth.jwt->leeway, 30s);
    EXPECT_TRUE(config.auth.jwt->require_exp);
    EXPECT_TRUE(config.auth.jwt->issuer.empty());
}

TEST_F(GatewayConfigTest, ShortHs256SecretIsRejected) {
    auto message = error_of("  auth: {jwt: {keys: [{secret: \"0123456789abcdef0123456789abcde\"}]}}\n");  // 31 bytes
    EXPECT_THAT(message, HasSubstr("gateway.auth.jwt"));
    EXPECT_THAT(message, HasSubstr("32 bytes"));
}

TEST_F(GatewayConfigTest, JwtNeedsKeys) {
    EXPECT_THAT(error_of("  auth: {jwt: {issuer: x}}\n"), HasSubstr("gateway.auth.jwt.keys"));
    EXPECT_THAT(error_of("  auth: {jwt: {keys: [{algorithm: ES256, secret: x}]}}\n"),
                HasSubstr("gateway.auth.jwt.keys[0].algorithm"));
}

TEST_F(GatewayConfigTest, JwtWithAnRs256PublicKeyFile) {
    TempDir dir;
    const auto pem_path = dir.path() / "jwt.pem";
    const std::string pem = rsa_public_pem();
    std::ofstream(pem_path) << pem;
    auto config = parse("  auth: {jwt: {keys: [{kid: rsa, algorithm: RS256, public_key_file: \"" + pem_path.string() +
                        "\"}]}}\n");
    ASSERT_TRUE(config.auth.jwt);
    ASSERT_EQ(config.auth.jwt->keys.size(), 1u);
    EXPECT_EQ(config.auth.jwt->keys[0].algorithm, JwtAlgorithm::kRS256);
    EXPECT_EQ(config.auth.jwt->keys[0].public_key_pem, pem);
}

TEST_F(GatewayConfigTest, MissingOrBadPublicKeyFileIsRejected) {
    TempDir dir;
    auto message = error_of("  auth: {jwt: {keys: [{algorithm: RS256, public_key_file: \"" +
                            (dir.path() / "absent.pem").string() + "\"}]}}\n");
    EXPECT_THAT(message, HasSubstr("gateway.auth.jwt.keys[0].public_key_file"));
    EXPECT_THAT(message, HasSubstr("absent.pem"));

    const auto junk = dir.path() / "junk.pem";
    std::ofstream(junk) << "not a key\n";
    message = error_of("  auth: {jwt: {keys: [{algorithm: RS256, public_key_file: \"" + junk.string() + "\"}]}}\n");
    EXPECT_THAT(message, HasSubstr("gateway.auth.jwt"));
    EXPECT_THAT(message, HasSubstr("PEM"));
}

TEST_F(GatewayConfigTest, Rs256KeyWithASecretIsRejected) {
    auto message =
        error_of("  auth: {jwt: {keys: [{algorithm: RS256, secret: \"0123456789abcdef0123456789abcdef\"}]}}\n");
    EXPECT_THAT(message, HasSubstr("gateway.auth.jwt"));
}

}  // namespace
}  // namespace vg::services::gateway
