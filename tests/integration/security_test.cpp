// Security checks: TLS with a certificate made at test time, secrets kept out of logs and out of
// `visiongrid config print`, API keys compared against every stored entry, and no route but health
// reachable without credentials in the default gateway configuration.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdlib.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "image/base64.hpp"
#include "integration/gateway_harness.hpp"
#include "net/http_client.hpp"
#include "services/gateway/api_keys.hpp"
#include "services/gateway/gateway_config.hpp"
#include "services/gateway/jwt.hpp"
#include "support/fake_openai_server.hpp"
#include "support/fake_upstream.hpp"
#include "support/jwt_tokens.hpp"
#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"
#include "support/test_images.hpp"

// A link-time seam: this definition takes the place of OpenSSL's for the code linked into this test
// binary (the gateway's ApiKeyStore and JwtVerifier among it), so a test can count comparisons on its
// own thread. It is itself a constant-time comparison, so whatever else calls it here still works.
namespace {
thread_local std::size_t t_constant_time_compares = 0;
}
extern "C" int CRYPTO_memcmp(const void* a, const void* b, size_t length) {
    ++t_constant_time_compares;
    const auto* x = static_cast<const volatile unsigned char*>(a);
    const auto* y = static_cast<const volatile unsigned char*>(b);
    unsigned char difference = 0;
    for (size_t i = 0; i < length; ++i) difference |= static_cast<unsigned char>(x[i] ^ y[i]);
    return difference;
}

namespace vg::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A scratch directory removed afterwards.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& name)
        : path_(std::filesystem::temp_directory_path() / ("vg-security-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// ---------------------------------------------------------------------------------------------
// TLS

// A self-signed certificate for localhost and 127.0.0.1 made by the openssl command; false when it fails.
bool make_certificate(const std::string& cert, const std::string& key) {
    auto made = run_command("openssl", {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                        "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    if (made.exit_code != 0) ADD_FAILURE() << made.output;
    return made.exit_code == 0;
}

// HttpClient on its own I/O thread.
class TlsClient {
public:
    explicit TlsClient(const std::string& ca_file)
        : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {
        net::ClientConfig config;
        config.ca_file = ca_file;
        client_ = std::make_unique<net::HttpClient>(io_, config);
    }
    ~TlsClient() {
        client_.reset();
        work_.reset();
        io_.stop();
        thread_.join();
    }
    net::ClientResult get(const std::string& url, const std::string& authorization = {}) {
        net::ClientRequest request;
        request.url = url;
        request.timeout = 10s;
        if (!authorization.empty()) request.headers.set("Authorization", authorization);
        return client_->send(std::move(request)).get();
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    std::unique_ptr<net::HttpClient> client_;
};

TEST(TlsTest, GatewayServesHttpsWithATestTimeCertificateAndRefusesPlainHttp) {
    if (!on_path("openssl")) GTEST_SKIP() << "the openssl command is not installed";
    ScratchDir dir("tls");
    const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
    ASSERT_TRUE(make_certificate(cert, key));
    const std::string api_key = "vg_tls-test-key-0123456789abcdefghijklmnopqrs";
    FakeUpstream business([](const RecordedRequest&) { return Reply::ok("business says hi"); });
    GatewayProcess gateway(fill(
        R"(log: {level: warn}
gateway:
  server: {host: 127.0.0.1, port: 0, tls: {enabled: true, cert_file: "@CERT@", key_file: "@KEY@"}}
  upstreams:
    model: {instances: ["127.0.0.1:9"], health_check: {enabled: false}}
    business: {instances: ["127.0.0.1:@BUSINESS@"], health_check: {enabled: false}}
    monitor: {instances: ["127.0.0.1:9"], health_check: {enabled: false}}
  auth:
    api_keys: [{name: tls, hash: "@HASH@", scopes: [business]}]
)",
        {{"CERT", cert}, {"KEY", key}, {"BUSINESS", port_text(business.port())}, {"HASH", api_key_hash(api_key)}}));
    const std::string base = "https://localhost:" + std::to_string(gateway.port());

    // Our own client, trusting the test's certificate: health, and a proxied authenticated route.
    TlsClient trusting(cert);
    auto health = trusting.get(base + "/health");
    ASSERT_TRUE(health.ok()) << health.error_message;
    EXPECT_EQ(health.response.status, 200);
    auto proxied =
        trusting.get("https://127.0.0.1:" + std::to_string(gateway.port()) + "/api/tasks", "Bearer " + api_key);
    ASSERT_TRUE(proxied.ok()) << proxied.error_message;
    EXPECT_EQ(proxied.response.status, 200);
    EXPECT_EQ(proxied.response.body, "business says hi");
    ASSERT_EQ(business.request_count(), 1u);
    EXPECT_EQ(business.requests()[0].headers.get_or("X-Forwarded-Proto", ""), "https");

    // A client that does not trust the certificate refuses the server.
    TlsClient sceptical("");
    auto refused = sceptical.get(base + "/health");
    EXPECT_EQ(refused.error, net::ClientErrorKind::kTls)
        << net::to_string(refused.error) << ": " << refused.error_message;

    // An independent client: curl with the certificate as its CA.
    if (on_path("curl")) {
        auto curl = run_command("curl", {"-sS", "--max-time", "10", "--cacert", cert, base + "/health"});
        EXPECT_EQ(curl.exit_code, 0) << curl.output;
        EXPECT_NE(curl.output.find("\"status\":\"ok\""), std::string::npos) << curl.output;
    }

    // Plain HTTP to the TLS port: the handshake fails, the connection is closed promptly (not at a
    // timeout) and nothing that looks like an HTTP answer comes back.
    RawConnection plain(gateway.port());
    ASSERT_TRUE(plain.connected());
    const auto sent = Clock::now();
    ASSERT_TRUE(plain.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    EXPECT_TRUE(plain.closed_by_peer(5s));
    EXPECT_LT(Clock::now() - sent, 3s);
    EXPECT_FALSE(plain.read_response(0ms));

    // And the server is still fine.
    auto again = trusting.get(base + "/health");
    ASSERT_TRUE(again.ok()) << again.error_message;
    EXPECT_EQ(again.response.status, 200);
    EXPECT_EQ(gateway.stop(), 0);
}

// ---------------------------------------------------------------------------------------------
// Secrets

// Sets an environment variable for the life of the object (children started meanwhile inherit it).
class ScopedEnv {
public:
    ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
        ::setenv(name_.c_str(), value.c_str(), 1);
    }
    ~ScopedEnv() { ::unsetenv(name_.c_str()); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
};

constexpr const char* kStackConfig = R"(log: {level: debug}
gateway:
  server: {host: 127.0.0.1, port: 0}
  upstreams:
    model: {instances: ["127.0.0.1:@MODEL@"]}
    business: {instances: ["127.0.0.1:@BUSINESS@"]}
    monitor: {instances: ["127.0.0.1:9"], health_check: {enabled: false}}
  auth:
    api_keys: [{name: tester, hash: "@HASH@", scopes: [model, business]}]
    jwt: {keys: [{kid: k1, algorithm: HS256, secret: "@JWT_SECRET@"}]}
  rate_limits:
    backend: redis
    fail_open: true
    redis: {host: 127.0.0.1, port: @REDIS@, password: "@REDIS_PASSWORD@"}
    per_key: {rate_per_second: 1000, burst: 1000}
model:
  server: {host: 127.0.0.1, port: 0}
  engine: remote
  remote: {url: "@UPSTREAM@", api_key: "@UPSTREAM_KEY@"}
business:
  server: {host: 127.0.0.1, port: 0}
  store: {url: "@STORE@"}
  model: {instances: ["127.0.0.1:@MODEL@"], health_check: {enabled: false}}
  jobs:
    poll_interval: 100ms
    queue: {backend: redis, redis: {host: 127.0.0.1, port: @REDIS@}}
    webhook: {allowed_hosts: [localhost], allow_private_addresses: true, secret: "@WEBHOOK_SECRET@", retry_initial: 100ms}
)";

struct Secrets {
    std::string api_key = "vg_secret-api-key-DO-NOT-LOG-0123456789abcdefg";
    std::string stored_hash = api_key_hash(api_key, "a1b2c3d4e5f60718293a4b5c6d7e8f90");
    std::string wrong_key = "vg_wrong-key-also-a-credential-0123456789abcd";
    std::string jwt_secret = "jwt-secret-DO-NOT-LOG-0123456789abcdefghij";
    std::string redis_password = "redis-password-DO-NOT-LOG-77";
    std::string postgres_password = "postgres-password-DO-NOT-LOG-55";
    std::string webhook_secret = "webhook-secret-DO-NOT-LOG-0123456";
    std::string upstream_key = "sk-upstream-key-DO-NOT-LOG-9876";

    // What must appear nowhere; the hash also by its digest alone.
    std::vector<std::string> all() const {
        return {api_key,           stored_hash,    stored_hash.substr(stored_hash.rfind('$') + 1),
                wrong_key,         jwt_secret,     redis_password,
                postgres_password, webhook_secret, upstream_key};
    }
};

// "postgresql://postgres@127.0.0.1:5432/db" -> "postgresql://postgres:PASSWORD@127.0.0.1:5432/db"
std::string with_password(const std::string& url, const std::string& password) {
    const auto at = url.find('@');
    return url.substr(0, at) + ":" + password + url.substr(at);
}

void expect_no_secret(const std::string& where, const std::string& text, const Secrets& secrets) {
    for (const auto& secret : secrets.all()) {
        EXPECT_EQ(text.find(secret), std::string::npos) << where << " shows the secret '" << secret << "'";
    }
}

// True when `process` printed a stdout line holding `text` (its stdout is only readable line by line).
bool stdout_shows(ChildProcess& process, const std::string& text) {
    return process.wait_for_line(text, 50ms).has_value();
}

TEST(SecretsTest, SecretsNeverReachLogsOrConfigPrint) {
    if (!redis_server_available()) GTEST_SKIP() << "redis-server is not installed";
    const Secrets secrets;
    ScratchDir dir("secrets");
    RedisServer redis({"--requirepass", secrets.redis_password});
    std::unique_ptr<PostgresServer> postgres;
    std::string store = "sqlite://" + dir.file("results.db");
    if (!postgres_unavailable_reason()) {
        postgres = std::make_unique<PostgresServer>();
        store = with_password(postgres->url(), secrets.postgres_password);  // trust auth: any password is accepted
    }
    std::cout << "[ secrets ] results store: " << (postgres ? "PostgreSQL" : "SQLite (no PostgreSQL here)")
              << std::endl;
    // The business role's Redis password comes from the environment, the rest from the file.
    ScopedEnv redis_env("VISIONGRID_BUSINESS__JOBS__QUEUE__REDIS__PASSWORD", secrets.redis_password);
    FakeOpenAiServer upstream;
    upstream.set_default(
        OpenAiReply::stream({R"({"verdict": "pass", "matched_categories": [], "reasons": [], "confidence": 0.9})"}));
    FakeUpstream hooks([](const RecordedRequest&) { return Reply::ok(); });
    const std::string config_path = dir.file("visiongrid.yaml");
    auto write_config = [&](unsigned short model, unsigned short business) {
        std::ofstream(config_path) << fill(kStackConfig, {{"MODEL", port_text(model)},
                                                          {"BUSINESS", port_text(business)},
                                                          {"HASH", secrets.stored_hash},
                                                          {"JWT_SECRET", secrets.jwt_secret},
                                                          {"REDIS", port_text(redis.port())},
                                                          {"REDIS_PASSWORD", secrets.redis_password},
                                                          {"UPSTREAM", upstream.base_url()},
                                                          {"UPSTREAM_KEY", secrets.upstream_key},
                                                          {"STORE", store},
                                                          {"WEBHOOK_SECRET", secrets.webhook_secret}});
    };
    write_config(9, 9);  // the gateway's upstream ports are known once model and business listen
    ChildProcess model(VG_BINARY, {"model", "--config", config_path});
    const unsigned short model_port = model.wait_for_port();
    ChildProcess business(VG_BINARY, {"business", "--config", config_path});
    const unsigned short business_port = business.wait_for_port();
    write_config(model_port, business_port);
    ChildProcess gateway(VG_BINARY, {"gateway", "--config", config_path});
    const unsigned short gateway_port = gateway.wait_for_port();

    // Exercise every secret: good and bad keys and tokens, an inference (upstream key), a job on the
    // Redis queue with a signed webhook, the rate limiter on Redis.
    const std::string image =
        image::encode_base64(image::testing::encode(image::testing::solid(16, 16, {1, 2, 3}), ".png"));
    const std::string good = "Authorization: Bearer " + secrets.api_key + "\r\n";
    ASSERT_TRUE(poll_until([&] {
        auto r =
            http_request(gateway_port, "POST", "/api/model/infer", json{{"image", image}, {"question", "q"}}.dump(),
                         good + "Content-Type: application/json\r\n");
        return r && r->status == 200;
    })) << gateway.stderr_text()
        << model.stderr_text();
    ASSERT_FALSE(upstream.requests().empty());
    EXPECT_EQ(upstream.requests().back().headers.get_or("Authorization", ""), "Bearer " + secrets.upstream_key);
    for (const std::string& header :
         {"Authorization: Bearer " + secrets.wrong_key, "X-API-Key: " + secrets.wrong_key,
          "Authorization: Basic " + secrets.wrong_key, "Authorization: Bearer " + secrets.api_key + "x"}) {
        auto refused = http_request(gateway_port, "GET", "/api/tasks", "", header + "\r\n");
        ASSERT_TRUE(refused);
        EXPECT_EQ(refused->status, 401) << header;
    }
    const json claims{{"sub", "secrets"}, {"scope", "business"}, {"exp", std::time(nullptr) + 600}};
    const std::string token = make_token({{"alg", "HS256"}, {"kid", "k1"}}, claims, [&](const std::string& input) {
        return hmac_sha256(secrets.jwt_secret, input);
    });
    const std::string forged = make_token({{"alg", "HS256"}, {"kid", "k1"}}, claims, [&](const std::string& input) {
        return hmac_sha256(secrets.wrong_key, input);
    });
    auto by_token = http_request(gateway_port, "GET", "/api/tasks", "", "Authorization: Bearer " + token + "\r\n");
    ASSERT_TRUE(by_token);
    EXPECT_EQ(by_token->status, 200) << by_token->body;
    auto by_forged = http_request(gateway_port, "GET", "/api/tasks", "", "Authorization: Bearer " + forged + "\r\n");
    ASSERT_TRUE(by_forged);
    EXPECT_EQ(by_forged->status, 401);
    const std::string boundary = "vgsecrets";
    const std::string form =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"task\"\r\n\r\nproduct_review\r\n--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"webhook_url\"\r\n\r\nhttp://localhost:" +
        std::to_string(hooks.port()) + "/hook\r\n--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" +
        image::testing::encode(image::testing::solid(16, 16, {1, 2, 3}), ".png") + "\r\n--" + boundary + "--\r\n";
    auto job = http_request(gateway_port, "POST", "/api/jobs", form,
                            good + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n");
    ASSERT_TRUE(job);
    ASSERT_EQ(job->status, 202) << job->body;
    ASSERT_TRUE(hooks.wait_for_requests(1, 30s)) << business.stderr_text();
    const auto delivery = hooks.requests()[0];
    const std::string signature(delivery.headers.get_or("X-VisionGrid-Signature", ""));
    const auto comma = signature.find(",v1=");
    ASSERT_NE(comma, std::string::npos) << signature;
    std::string expected_mac;
    for (unsigned char c : hmac_sha256(secrets.webhook_secret, signature.substr(2, comma - 2) + "." + delivery.body)) {
        static constexpr char kHex[] = "0123456789abcdef";
        expected_mac += kHex[c >> 4];
        expected_mac += kHex[c & 0xf];
    }
    EXPECT_EQ(signature.substr(comma + 4), expected_mac) << "the webhook was not signed with the configured secret";

    // Nothing printed on stdout holds a secret (read before the processes stop)...
    for (auto* process : {&gateway, &business, &model}) {
        for (const auto& secret : secrets.all()) EXPECT_FALSE(stdout_shows(*process, secret)) << secret;
    }
    // ...nor anything logged on stderr, start to shutdown.
    for (auto* process : {&gateway, &business, &model}) {
        process->signal(SIGTERM);
        EXPECT_EQ(process->wait(20s), 0);
    }
    const std::string gateway_log = gateway.stderr_text();
    EXPECT_EQ(gateway_log.find("rate limiter backend failed"), std::string::npos) << "Redis AUTH failed:\n"
                                                                                  << gateway_log;
    EXPECT_TRUE(gateway_log.find("status=401") != std::string::npos ||
                gateway_log.find("\"status\":401") != std::string::npos)
        << "the refusals should be in the access log:\n"
        << gateway_log;
    expect_no_secret("the gateway log", gateway_log, secrets);
    expect_no_secret("the business log", business.stderr_text(), secrets);
    expect_no_secret("the model log", model.stderr_text(), secrets);
    // Bearer tokens are credentials too.
    for (const auto& jwt : {token, forged}) {
        EXPECT_EQ(gateway_log.find(jwt), std::string::npos) << "the gateway log shows a bearer token";
    }

    // `config print` with the same file and environment masks every secret.
    auto printed = run_command(VG_BINARY, {"config", "print", "--config", config_path});
    ASSERT_EQ(printed.exit_code, 0) << printed.output;
    expect_no_secret("config print", printed.output, secrets);
    EXPECT_NE(printed.output.find("********"), std::string::npos) << printed.output;
    EXPECT_NE(printed.output.find(std::to_string(redis.port())), std::string::npos) << "the rest is shown:\n"
                                                                                    << printed.output;
    if (postgres) {
        EXPECT_NE(printed.output.find("postgresql://postgres:"), std::string::npos) << printed.output;
    }
}

TEST(SecretsTest, AStoreThatCannotBeReachedIsReportedWithoutItsPassword) {
    const Secrets secrets;
    ScratchDir dir("store");
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    ChildProcess business(
        VG_BINARY, {"business", "--set", "business.server.port=0", "--set", "business.server.host=127.0.0.1", "--set",
                    "business.store.url=postgresql://vg:" + secrets.postgres_password + "@127.0.0.1:1/vg", "--set",
                    "log.level=debug"});
    const auto code = business.wait(30s);
    ASSERT_TRUE(code);
    EXPECT_NE(*code, 0);
    const std::string log = business.stderr_text();
    EXPECT_NE(log.find("127.0.0.1:1"), std::string::npos) << "the failure names the store:\n" << log;
    expect_no_secret("the failing business role's output", log, secrets);
    EXPECT_FALSE(stdout_shows(business, secrets.postgres_password));

    // `config print` needs no server: the URL is shown, its password masked, whether it is in the
    // user info or a parameter.
    auto printed = run_command(
        VG_BINARY,
        {"config", "print", "--set",
         "business.store.url=postgresql://vg:" + secrets.postgres_password + "@db.internal/vg?sslmode=require", "--set",
         "model.remote.url=https://gpu.internal:8000/?password=" + secrets.upstream_key});
    ASSERT_EQ(printed.exit_code, 0) << printed.output;
    expect_no_secret("config print", printed.output, secrets);
    EXPECT_NE(printed.output.find("postgresql://vg:********@db.internal/vg?sslmode=require"), std::string::npos)
        << printed.output;
}

// ---------------------------------------------------------------------------------------------
// API keys in constant time
//
// Timing is not measured: on a shared two-core machine scheduling noise is many times the few
// hundred nanoseconds a SHA-256 and a 32-byte comparison take, so a timing test would be flaky or
// meaningless. What makes the comparison safe is structural, and that is checked: verify() hashes the
// presented key with every entry's salt and compares every digest with CRYPTO_memcmp (constant time
// in the bytes), without stopping at a match, so the work does not depend on which entry matches or
// how much of a digest does.

TEST(ApiKeyComparisonTest, EveryEntryIsComparedWhereverTheKeyMatches) {
    std::vector<services::gateway::ApiKeyEntry> entries;
    std::vector<std::string> keys;
    for (int i = 0; i < 40; ++i) {
        keys.push_back("vg_constant-time-key-" + std::to_string(i) + "-0123456789abcdefghijklmn");
        char salt[33];
        std::snprintf(salt, sizeof salt, "%032x", i + 1);
        entries.push_back({"key-" + std::to_string(i), api_key_hash(keys.back(), salt), {}});
    }
    const services::gateway::ApiKeyStore store(entries);
    struct Probe {
        std::string presented;
        std::string identity;  // empty: no match
    };
    const std::vector<Probe> probes = {{keys.front(), "key-0"}, {keys[17], "key-17"},
                                       {keys.back(), "key-39"}, {"vg_nobody-0123456789abcdefghijklmnopqrstuvwx", ""},
                                       {keys.back() + "x", ""}, {keys.front().substr(0, 10), ""}};
    for (const auto& probe : probes) {
        t_constant_time_compares = 0;
        const auto identity = store.verify(probe.presented);
        EXPECT_EQ(t_constant_time_compares, entries.size()) << "presented " << probe.presented;
        EXPECT_EQ(identity ? identity->name : "", probe.identity);
    }
}

TEST(ApiKeyComparisonTest, JwtSignaturesAreComparedInConstantTime) {
    services::gateway::JwtConfig config;
    config.keys.push_back(
        {"k1", services::gateway::JwtAlgorithm::kHS256, "jwt-constant-time-secret-0123456789abcdef", ""});
    const services::gateway::JwtVerifier verifier(config);
    const json claims{{"sub", "x"}, {"exp", std::time(nullptr) + 600}};
    const std::string forged = make_token({{"alg", "HS256"}, {"kid", "k1"}}, claims, [](const std::string& input) {
        return hmac_sha256("another-secret-0123456789abcdefgh", input);
    });
    t_constant_time_compares = 0;
    EXPECT_THROW(verifier.verify(forged, std::chrono::system_clock::now()), services::gateway::JwtError);
    EXPECT_EQ(t_constant_time_compares, 1u);
}

// ---------------------------------------------------------------------------------------------
// Routes need credentials by default

// The gateway's built-in defaults: what `visiongrid gateway` runs with no gateway section.
services::gateway::GatewayConfig default_gateway_config() {
    YAML::Node source(YAML::NodeType::Map);
    YAML::Node effective(YAML::NodeType::Map);
    return services::gateway::parse_gateway_config(ConfigNode(source, effective, "gateway"));
}

// Default routes served without credentials, each with the reason it may be. Any other open route fails
// the test, as does a public route that takes more than reads.
const std::map<std::string, std::string> kPublicRoutes = {
    {"console",
     "the web console's static files: a browser loads them before anyone types a key, and every API "
     "they call needs one"},
};

bool is_read(const std::string& method) {
    return method == "GET" || method == "HEAD";
}

TEST(DefaultRoutesTest, EveryRouteButHealthAndTheConsoleFilesRefusesAnonymousCallers) {
    const auto defaults = default_gateway_config();
    ASSERT_GE(defaults.routes.size(), 5u);
    for (const auto& route : defaults.routes) {
        if (kPublicRoutes.contains(route.name)) {
            EXPECT_FALSE(route.methods.empty()) << route.name << " is public and takes any method";
            for (const auto& method : route.methods)
                EXPECT_TRUE(is_read(method)) << route.name << " is public and takes " << method;
            continue;
        }
        EXPECT_TRUE(route.auth_required) << route.name << " (" << route.prefix << ") is open without credentials";
        EXPECT_FALSE(route.scopes.empty()) << route.name << " takes any credential, whatever it is for";
    }

    // The same defaults, running: every upstream is one fake that records what reaches it.
    FakeUpstream upstream([](const RecordedRequest&) { return Reply::ok("reached"); });
    GatewayProcess gateway(fill(R"(log: {level: warn}
gateway:
  server: {host: 127.0.0.1, port: 0}
  upstreams:
    model: {instances: ["127.0.0.1:@PORT@"], health_check: {enabled: false}}
    business: {instances: ["127.0.0.1:@PORT@"], health_check: {enabled: false}}
    monitor: {instances: ["127.0.0.1:@PORT@"], health_check: {enabled: false}}
)",
                                {{"PORT", port_text(upstream.port())}}));
    int refused = 0;
    std::size_t public_reads = 0;
    for (const auto& route : defaults.routes) {
        const bool is_public = kPublicRoutes.contains(route.name);
        const std::string path = route.prefix.back() == '/' ? route.prefix + "anything" : route.prefix + "/anything";
        for (const std::string& target : {route.prefix, path}) {
            for (const std::string method : {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}) {
                auto response =
                    gateway.request(method, target, method == "POST" ? "{}" : "", "Content-Type: application/json\r\n");
                ASSERT_TRUE(response) << method << " " << target;
                if (is_public && is_read(method)) {
                    EXPECT_EQ(response->status, 200) << method << " " << target;
                    ++public_reads;
                    continue;
                }
                const int status = is_public ? 405 : 401;
                EXPECT_EQ(response->status, status) << method << " " << target;
                if (method != "HEAD") {
                    EXPECT_EQ(error_code(*response), is_public ? "method_not_allowed" : "unauthenticated")
                        << method << " " << target;
                }
                ++refused;
            }
        }
    }
    // Only reads of the public routes reached an upstream.
    EXPECT_EQ(upstream.request_count(), public_reads);
    for (const auto& reached : upstream.requests()) {
        bool under_public = false;
        for (const auto& route : defaults.routes) {
            under_public =
                under_public || (kPublicRoutes.contains(route.name) && reached.target.starts_with(route.prefix));
        }
        EXPECT_TRUE(under_public && is_read(reached.method))
            << reached.method << " " << reached.target << " reached an upstream";
    }
    for (const char* open : {"/health", "/ready", "/metrics"}) {
        auto response = gateway.request("GET", open);
        ASSERT_TRUE(response) << open;
        EXPECT_EQ(response->status, 200) << open;
    }
    std::cout << "[ routes ] " << defaults.routes.size() << " default routes, " << refused
              << " anonymous requests refused, " << public_reads << " reads of public files let through" << std::endl;
}

}  // namespace
}  // namespace vg::test
