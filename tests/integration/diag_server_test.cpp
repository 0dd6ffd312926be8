// Black-box tests of the HTTP server: the real `visiongrid diag` binary on port 0, spoken to over
// loopback with raw sockets, so malformed and slow requests are exactly what a hostile client sends.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/raw_http.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;

class DiagServerTest : public ::testing::Test {
protected:
    void start(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"diag", "--set", "diag.server.port=0", "--set", "diag.server.host=127.0.0.1",
                                         "--set", "diag.server.max_body_bytes=64KiB", "--set", "diag.server.header_timeout=400ms",
                                         "--set", "diag.server.body_timeout=400ms", "--set", "log.level=warn"};
        args.insert(args.end(), extra.begin(), extra.end());
        process_ = std::make_unique<ChildProcess>(VG_BINARY, args);
        port_ = process_->wait_for_port();
    }

    void TearDown() override {
        if (process_) {
            process_->signal(SIGTERM);
            process_->wait(10s);
        }
    }

    std::string metrics() {
        auto response = http_request(port_, "GET", "/metrics");
        return response ? response->body : std::string{};
    }

    double rejected(const std::string& reason) {
        return metric_value(metrics(), "visiongrid_http_rejected_total{reason=\"" + reason + "\"").value_or(0);
    }

    // Sends raw bytes on a new connection and reads the answer.
    std::optional<RawResponse> raw(const std::string& bytes) {
        RawConnection connection(port_);
        if (!connection.send(bytes)) return std::nullopt;
        return connection.read_response();
    }

    static std::string error_code(const RawResponse& response) {
        return nlohmann::json::parse(response.body).at("error").at("code").get<std::string>();
    }

    std::unique_ptr<ChildProcess> process_;
    unsigned short port_ = 0;
};

TEST_F(DiagServerTest, HealthReadyAndPing) {
    start();
    auto health = http_request(port_, "GET", "/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(nlohmann::json::parse(health->body).at("status"), "ok");
    auto ready = http_request(port_, "GET", "/ready");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    auto ping = http_request(port_, "GET", "/api/ping");
    ASSERT_TRUE(ping);
    EXPECT_EQ(ping->body, "pong\n");
}

TEST_F(DiagServerTest, MetricsPassPromtoolAndCountRequestsByRouteAndStatus) {
    start();
    ASSERT_TRUE(http_request(port_, "GET", "/api/ping"));
    ASSERT_TRUE(http_request(port_, "GET", "/api/ping"));
    ASSERT_TRUE(http_request(port_, "GET", "/no/such/route"));
    std::string text = metrics();
    EXPECT_EQ(metric_value(text, "visiongrid_http_requests_total{method=\"GET\",route=\"/api/ping\",server=\"diag\",status=\"200\"}"), 2);
    EXPECT_EQ(metric_value(text, "visiongrid_http_requests_total{method=\"GET\",route=\"unmatched\",server=\"diag\",status=\"404\"}"), 1);
    EXPECT_EQ(metric_value(text, "visiongrid_http_request_duration_seconds_count{route=\"/api/ping\",server=\"diag\"}"), 2);
    EXPECT_EQ(metric_value(text, "visiongrid_http_request_duration_seconds_bucket{route=\"/api/ping\",server=\"diag\",le=\"+Inf\"}"), 2);
    if (!on_path("promtool")) GTEST_SKIP() << "promtool (Debian package prometheus) not installed: run scripts/install-deps";
    auto checked = run_command("promtool", {"check", "metrics"}, text);
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
}

TEST_F(DiagServerTest, RequestIdIsHonouredWhenSafeAndReplacedOtherwise) {
    start();
    auto kept = http_request(port_, "GET", "/api/ping", "", "X-Request-Id: order-42.a_b:c\r\n");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->headers.get_or("X-Request-Id", ""), "order-42.a_b:c");
    auto replaced = http_request(port_, "GET", "/api/ping", "", "X-Request-Id: <script>alert(1)</script>\r\n");
    ASSERT_TRUE(replaced);
    std::string id(replaced->headers.get_or("X-Request-Id", ""));
    EXPECT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find('<'), std::string::npos);
}

TEST_F(DiagServerTest, KeepAliveServesPipelinedRequestsInOrder) {
    start();
    RawConnection connection(port_);
    ASSERT_TRUE(connection.send("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n"
                                "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfirst"
                                "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nsecond"));
    auto a = connection.read_response();
    auto b = connection.read_response();
    auto c = connection.read_response();
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->body, "pong\n");
    EXPECT_EQ(b->body, "first");
    EXPECT_EQ(c->body, "second");
    // Still open for more.
    ASSERT_TRUE(connection.send("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto d = connection.read_response();
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, 200);
}

TEST_F(DiagServerTest, UnknownRouteIs404WithJsonError) {
    start();
    auto response = http_request(port_, "GET", "/api/nothing-here");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);
    EXPECT_EQ(error_code(*response), "not_found");
    auto body = nlohmann::json::parse(response->body);
    EXPECT_EQ(body["error"]["request_id"], std::string(response->headers.get_or("X-Request-Id", "")));
}

TEST_F(DiagServerTest, WrongMethodIs405WithAllow) {
    start();
    auto response = http_request(port_, "DELETE", "/api/echo");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 405);
    EXPECT_EQ(response->headers.get_or("Allow", ""), "POST");
    EXPECT_EQ(error_code(*response), "method_not_allowed");
}

TEST_F(DiagServerTest, UnsupportedMediaTypeIs415) {
    start();
    auto response = http_request(port_, "POST", "/api/echo", "\x89PNG", "Content-Type: image/png\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 415);
    EXPECT_EQ(error_code(*response), "unsupported_media_type");
}

TEST_F(DiagServerTest, MalformedRequestLineIs400AndCounted) {
    start();
    auto response = raw("THIS IS NOT HTTP\r\n\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(error_code(*response), "malformed_request");
    EXPECT_EQ(rejected("malformed_request"), 1);
}

TEST_F(DiagServerTest, OversizedHeadersAre431) {
    start();
    auto response = raw("GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 431);
    EXPECT_EQ(error_code(*response), "header_too_large");
    EXPECT_EQ(rejected("header_too_large"), 1);
}

TEST_F(DiagServerTest, OversizedBodyIs413BeforeItIsRead) {
    start();
    RawConnection connection(port_);
    // Declares 1 MiB against a 64 KiB limit and sends only part: the answer must not wait for the rest.
    ASSERT_TRUE(connection.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1048576\r\n\r\n" +
                                std::string(1000, 'x')));
    auto response = connection.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(error_code(*response), "body_too_large");
    EXPECT_EQ(response->headers.get_or("Connection", ""), "close");
}

TEST_F(DiagServerTest, OversizedChunkedBodyIs413) {
    start();
    std::string chunk(32 * 1024, 'y');
    std::string request = "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) request += "8000\r\n" + chunk + "\r\n";
    request += "0\r\n\r\n";
    auto response = raw(request);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
}

TEST_F(DiagServerTest, ChunkedBodyWithinLimitIsAccepted) {
    start();
    auto response = raw("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                        "Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "hello world");
}

TEST_F(DiagServerTest, StalledHeadersAre408) {
    start();
    RawConnection connection(port_);
    ASSERT_TRUE(connection.send("GET /api/ping HTTP/1.1\r\nHost: x\r\n"));  // never finishes the headers
    auto response = connection.read_response(5s);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 408);
    EXPECT_EQ(error_code(*response), "header_timeout");
}

TEST_F(DiagServerTest, StalledBodyIs408AndOtherConnectionsAreUndisturbed) {
    start();
    RawConnection stalled(port_);
    ASSERT_TRUE(stalled.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly-part"));
    RawConnection healthy(port_);
    ASSERT_TRUE(healthy.send("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto ok = healthy.read_response(2s);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
    auto response = stalled.read_response(5s);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 408);
    EXPECT_EQ(error_code(*response), "body_timeout");
    EXPECT_EQ(rejected("body_timeout"), 1);
}

TEST_F(DiagServerTest, ClientDisconnectMidBodyIsCountedAndHarmless) {
    start();
    {
        RawConnection leaver(port_);
        ASSERT_TRUE(leaver.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc"));
        // Our ping on another connection proves the server parsed the headers before we leave.
        ASSERT_TRUE(http_request(port_, "GET", "/api/ping"));
    }
    // The count appears once the server notices the EOF; poll the metric (bounded), not the clock.
    double count = 0;
    for (int i = 0; i < 200 && count < 1; ++i) count = rejected("client_disconnect");
    EXPECT_EQ(count, 1);
    auto ping = http_request(port_, "GET", "/api/ping");
    ASSERT_TRUE(ping);
    EXPECT_EQ(ping->status, 200);
}

TEST_F(DiagServerTest, ClientDisconnectDuringHandlingCancelsTheRequest) {
    start();
    {
        RawConnection leaver(port_);
        ASSERT_TRUE(leaver.send("GET /api/delay?ms=30000 HTTP/1.1\r\nHost: x\r\n\r\n"));
        double in_flight = 0;
        for (int i = 0; i < 200 && in_flight < 2; ++i) {
            in_flight = metric_value(metrics(), "visiongrid_http_requests_in_flight{").value_or(0);  // includes /metrics itself
        }
        ASSERT_EQ(in_flight, 2);
    }
    double in_flight = 2;
    for (int i = 0; i < 200 && in_flight > 1; ++i) in_flight = metric_value(metrics(), "visiongrid_http_requests_in_flight{").value_or(0);
    EXPECT_EQ(in_flight, 1);  // just this /metrics request
    EXPECT_GE(rejected("client_disconnect"), 1);
}

TEST_F(DiagServerTest, RequestSmugglingShapesAreRejected) {
    start();
    auto both = raw("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    ASSERT_TRUE(both);
    EXPECT_EQ(both->status, 400);
    auto duplicate = raw("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
                         "Content-Length: 5\r\n\r\nabcde");
    ASSERT_TRUE(duplicate);
    EXPECT_EQ(duplicate->status, 400);
}

TEST_F(DiagServerTest, ServerSentEventsStreamInChunks) {
    start();
    auto response = http_request(port_, "GET", "/api/stream?n=3&interval=5");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->headers.get_or("Content-Type", ""), "text/event-stream");
    EXPECT_EQ(response->headers.get_or("Transfer-Encoding", ""), "chunked");
    EXPECT_EQ(response->body, "data: {\"n\":0}\n\ndata: {\"n\":1}\n\ndata: {\"n\":2}\n\nevent: done\ndata: {}\n\n");
}

TEST_F(DiagServerTest, InvalidQueryParameterIs400) {
    start();
    auto response = http_request(port_, "GET", "/api/delay?ms=-5");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(error_code(*response), "invalid_parameter");
}

TEST_F(DiagServerTest, GracefulDrainFinishesInFlightAndRefusesNewConnections) {
    start();
    RawConnection slow(port_);
    ASSERT_TRUE(slow.send("GET /api/delay?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n"));
    double in_flight = 0;
    for (int i = 0; i < 200 && in_flight < 2; ++i) in_flight = metric_value(metrics(), "visiongrid_http_requests_in_flight{").value_or(0);
    ASSERT_EQ(in_flight, 2);  // the delay request and this /metrics request

    process_->signal(SIGTERM);
    bool refused = false;
    for (int i = 0; i < 500 && !refused; ++i) refused = connection_refused(port_);
    EXPECT_TRUE(refused) << "new connections must be refused while draining";

    auto response = slow.read_response(10s);
    ASSERT_TRUE(response) << "the in-flight request must complete during the drain";
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(nlohmann::json::parse(response->body).at("delayed_ms"), 1500);
    EXPECT_EQ(response->headers.get_or("Connection", ""), "close");
    EXPECT_EQ(process_->wait(10s), 0);
}

TEST_F(DiagServerTest, DrainDeadlineClosesRequestsThatTakeTooLong) {
    start({"--set", "diag.server.drain_timeout=300ms"});
    RawConnection slow(port_);
    ASSERT_TRUE(slow.send("GET /api/delay?ms=30000 HTTP/1.1\r\nHost: x\r\n\r\n"));
    double in_flight = 0;
    for (int i = 0; i < 200 && in_flight < 2; ++i) in_flight = metric_value(metrics(), "visiongrid_http_requests_in_flight{").value_or(0);
    ASSERT_EQ(in_flight, 2);
    process_->signal(SIGTERM);
    EXPECT_TRUE(slow.closed_by_peer(10s));
    EXPECT_EQ(process_->wait(10s), 0);
}

TEST(DiagCommandLineTest, HelpListsRoles) {
    auto result = run_command(VG_BINARY, {"--help"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_NE(result.output.find("diag"), std::string::npos);
    EXPECT_NE(result.output.find("config print"), std::string::npos);
}

TEST(DiagCommandLineTest, UnknownConfigKeyFailsFastNamingPathAndAllowedKeys) {
    auto result = run_command(VG_BINARY, {"diag", "--set", "diag.server.prot=9000"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("diag.server.prot: unknown key"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("port"), std::string::npos);
}

TEST(DiagCommandLineTest, ConfigPrintShowsPrecedenceAndDefaults) {
    auto dir = ::testing::TempDir();
    std::string file = dir + "/vg-config-print.yaml";
    {
        FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("diag:\n  server:\n    port: ${VG_TEST_PORT:7001}\n    io_threads: 3\n    tls:\n      key_file: /secret/key.pem\n", f);
        std::fclose(f);
    }
    auto result = run_command("env", {"VG_TEST_PORT=7002", "VISIONGRID_DIAG__SERVER__IO_THREADS=5", VG_BINARY, "config", "print", "--config",
                                      file, "--set", "diag.server.host=127.0.0.9"});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("port: 7002"), std::string::npos) << result.output;        // placeholder from env
    EXPECT_NE(result.output.find("io_threads: 5"), std::string::npos) << result.output;     // env override beats file
    EXPECT_NE(result.output.find("host: 127.0.0.9"), std::string::npos) << result.output;   // --set beats all
    EXPECT_NE(result.output.find("idle_timeout: 60000ms"), std::string::npos);                // defaults shown
    auto no_env = run_command(VG_BINARY, {"config", "print", "--config", file});
    EXPECT_NE(no_env.output.find("port: 7001"), std::string::npos) << no_env.output;         // placeholder default
}

}  // namespace
}  // namespace vg::test

namespace vg::test {
namespace {

// TLS from config: a self-signed certificate made for the test, checked with curl as a user would.
TEST(DiagTlsTest, ServesHttpsWithConfiguredCertificate) {
    if (!on_path("openssl") || !on_path("curl")) GTEST_SKIP() << "openssl and curl are needed (scripts/install-deps installs them)";
    std::string dir = ::testing::TempDir();
    std::string cert = dir + "/vg-test-cert.pem", key = dir + "/vg-test-key.pem";
    auto made = run_command("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                        "-subj", "/CN=localhost"});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    ChildProcess process(VG_BINARY, {"diag", "--set", "diag.server.port=0", "--set", "diag.server.host=127.0.0.1", "--set",
                                     "diag.server.tls.enabled=true", "--set", "diag.server.tls.cert_file=" + cert, "--set",
                                     "diag.server.tls.key_file=" + key, "--set", "log.level=warn"});
    unsigned short port = process.wait_for_port();
    std::string url = "https://localhost:" + std::to_string(port);
    auto pinned = run_command("curl", {"-sS", "--cacert", cert, url + "/api/ping"});
    EXPECT_EQ(pinned.exit_code, 0) << pinned.output;
    EXPECT_EQ(pinned.output, "pong\n");
    auto plain = run_command("curl", {"-sS", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port) + "/api/ping"});
    EXPECT_NE(plain.output, "pong\n") << "plain HTTP must not be served on a TLS port";
    process.signal(SIGTERM);
    EXPECT_EQ(process.wait(std::chrono::seconds(10)), 0);
}

TEST(DiagTlsTest, MissingCertificateFailsAtStartWithClearError) {
    auto result = run_command(VG_BINARY, {"diag", "--set", "diag.server.port=0", "--set", "diag.server.tls.enabled=true", "--set",
                                          "diag.server.tls.cert_file=/nonexistent/cert.pem", "--set", "diag.server.tls.key_file=/nonexistent/key.pem"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("cannot load TLS certificate /nonexistent/cert.pem"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace vg::test
