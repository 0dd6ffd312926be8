// The real `visiongrid gateway` in front of real model processes and in-process fake upstreams:
// instance failure and recovery, circuit breakers, the retry budget, load distribution, streaming.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "image/base64.hpp"
#include "integration/gateway_harness.hpp"
#include "support/fake_openai_server.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using std::chrono::steady_clock;
namespace images = vg::image::testing;

struct ModelProcess {
    std::unique_ptr<ChildProcess> process;
    unsigned short port = 0;
};

// Two `visiongrid model` processes (engine=remote against one fake OpenAI server) behind the gateway.
class GatewayKillTest : public ::testing::Test {
protected:
    ModelProcess start_model(unsigned short port) {
        ModelProcess model;
        model.process = std::make_unique<ChildProcess>(
            VG_BINARY, std::vector<std::string>{"model", "--set", "model.engine=remote", "--set",
                                                "model.remote.url=" + openai_.base_url(), "--set",
                                                "model.remote.model=m", "--set", "model.server.port=" + port_text(port),
                                                "--set", "model.server.host=127.0.0.1", "--set", "log.level=warn"});
        model.port = model.process->wait_for_port();
        auto ready = model.process->wait_for_line("visiongrid model", 30s);
        EXPECT_TRUE(ready && ready->find("ready") != std::string::npos) << model.process->stderr_text();
        return model;
    }

    // Inference requests the model process itself answered with 200 (its own /metrics).
    static double served(unsigned short model_port) {
        auto response = http_request(model_port, "GET", "/metrics");
        if (!response) return -1;
        return metric_value(response->body,
                            "visiongrid_http_requests_total{method=\"POST\",route=\"/api/model/"
                            "infer\",server=\"model\",status=\"200\"}")
            .value_or(0);
    }

    FakeOpenAiServer openai_;
};

TEST_F(GatewayKillTest, KilledInstanceCostsNoRequestAndIsReadmittedAfterRestart) {
    ModelProcess a = start_model(0);
    ModelProcess b = start_model(0);
    // The window in which a dead instance must be reported (health_check below): unhealthy_threshold
    // probes, each at most interval + timeout apart, plus scheduling slack for a busy machine.
    constexpr auto kInterval = 200ms;
    constexpr auto kProbeTimeout = 200ms;
    constexpr int kUnhealthyThreshold = 2;
    constexpr auto kDetectionWindow = kUnhealthyThreshold * (kInterval + kProbeTimeout) + 1500ms;
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  model:
    instances: ["127.0.0.1:@A@", "127.0.0.1:@B@"]
    load_balancing: round_robin
    health_check: {path: /ready, interval: 200ms, timeout: 200ms, healthy_threshold: 1, unhealthy_threshold: 2}
    outlier_detection: {consecutive_failures: 5, base_ejection_time: 300ms, max_ejection_time: 600ms}
    circuit_breaker: {wait_duration_in_open_state: 300ms}
    retry: {max_attempts: 3, backoff: {initial: 5ms, max: 20ms}, budget_min_retries_per_second: 20}
routes:
  - {name: model, prefix: /api/model/, upstream: model, timeout: 10s, auth: none, idempotent: true}
)",
                                             {{"A", port_text(a.port)}, {"B", port_text(b.port)}})));
    const std::string healthy_b = instance_series("visiongrid_upstream_instance_healthy", "model", b.port);
    const std::string breaker_b = instance_series("visiongrid_upstream_breaker_state", "model", b.port);

    const std::string png = images::encode(images::halves(32, 32, {200, 30, 30}, {30, 30, 200}), ".png");
    const std::string body = json{{"image", image::encode_base64(png)}, {"question", "what colours?"}}.dump();
    // Three clients, so that requests are in flight on the instance when it dies.
    const auto infer = [&] {
        return gateway.request("POST", "/api/model/infer", body, "Content-Type: application/json\r\n");
    };
    std::vector<std::unique_ptr<RequestLoop>> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<RequestLoop>(infer));
    ASSERT_TRUE(poll_until([&] { return served(a.port) >= 3 && served(b.port) >= 3; }))
        << "both instances take traffic";

    const auto killed_at = steady_clock::now();
    b.process->signal(SIGKILL);
    ASSERT_TRUE(b.process->wait(5s));
    ASSERT_TRUE(poll_until([&] { return gateway.metric(healthy_b) == 0.0; }, 10s)) << gateway.metrics();
    const auto detection = steady_clock::now() - killed_at;
    EXPECT_LT(detection, kDetectionWindow)
        << "took " << std::chrono::duration_cast<std::chrono::milliseconds>(detection).count() << " ms";
    ASSERT_TRUE(clients[0]->wait_for_more(10)) << "requests keep flowing on the surviving instance";

    ModelProcess restarted = start_model(b.port);
    ASSERT_EQ(restarted.port, b.port);
    ASSERT_TRUE(poll_until([&] {
        return gateway.metric(healthy_b) == 1.0 && served(restarted.port) >= 3 && gateway.metric(breaker_b) == 0.0;
    })) << "healthy "
        << gateway.metric(healthy_b).value_or(-1) << ", breaker " << gateway.metric(breaker_b).value_or(-1)
        << ", served " << served(restarted.port);

    for (auto& client : clients) {
        client->stop();
        EXPECT_EQ(client->failed(), 0u) << "of " << client->sent()
                                        << "; first: " << testing::PrintToString(client->failures());
    }
    const std::string failed_on_b = "visiongrid_upstream_attempts_total{instance=\"127.0.0.1:" + port_text(b.port) +
                                    "\",outcome=\"failed\",upstream=\"model\"}";
    EXPECT_GE(gateway.metric(failed_on_b).value_or(0), 1)
        << "no request met the dead instance: the kill was not mid-stream";
    EXPECT_EQ(gateway.stop(), 0) << gateway.process().stderr_text();
}

TEST(GatewayBreakerTest, SlowInstanceTripsTheSlowCallThresholdAndTrafficMovesToTheFastOne) {
    Delayer delayer;
    FakeUpstream fast;
    FakeUpstream slow([&](const RecordedRequest&) { return Reply::ok("slow").after(delayer.gate_after(200ms)); });
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend:
    instances: ["127.0.0.1:@FAST@", "127.0.0.1:@SLOW@"]
    load_balancing: round_robin
    health_check: {enabled: false}
    circuit_breaker: {slow_call_duration: 50ms, slow_call_rate_threshold: 50, sliding_window_size: 2, minimum_number_of_calls: 2, wait_duration_in_open_state: 60s}
routes:
  - {name: api, prefix: /api/, upstream: backend, auth: none}
)",
                                             {{"FAST", port_text(fast.port())}, {"SLOW", port_text(slow.port())}})));
    for (int i = 0; i < 12; ++i) {
        auto response = gateway.request("GET", "/api/item");
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 200) << response->body;
    }
    // Round robin gives the slow instance the 2nd and 4th request; two slow calls fill the window
    // at a 100 % slow rate, and from then on its breaker refuses it.
    EXPECT_EQ(slow.request_count(), 2u);
    EXPECT_EQ(fast.request_count(), 10u);
    EXPECT_EQ(gateway.metric(instance_series("visiongrid_upstream_breaker_state", "backend", slow.port())), 1.0);
    EXPECT_EQ(gateway.metric(instance_series("visiongrid_upstream_breaker_opened_total", "backend", slow.port())), 1.0);
    EXPECT_EQ(gateway.metric(instance_series("visiongrid_upstream_breaker_state", "backend", fast.port())), 0.0);
    EXPECT_TRUE(poll_until([&] {
        const std::string log = gateway.process().stderr_text();
        const auto at = log.find("circuit breaker state change");
        return at != std::string::npos && log.find(port_text(slow.port()), at) != std::string::npos;
    })) << gateway.process().stderr_text();
}

TEST(GatewayRetryBudgetTest, FullOutageAnswersEveryoneFastWithinTheRetryBudget) {
    constexpr std::size_t kRequests = 40;
    constexpr int kMaxAttempts = 3;
    constexpr double kBudgetRatio = 0.2;
    constexpr double kMinRetriesPerSecond = 1;
    auto first_wave = std::make_shared<Gate>();
    const auto busy = [&](const RecordedRequest&) {
        return Reply::respond(503, R"({"error":{"code":"overloaded","message":"try later"}})")
            .header("Content-Type", "application/json")
            .header("Retry-After", "1")
            .after(first_wave);
    };
    FakeUpstream a(busy);
    FakeUpstream b(busy);
    // Breakers and ejection kept out of the way: what limits retries here must be the budget.
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend:
    instances: ["127.0.0.1:@A@", "127.0.0.1:@B@"]
    health_check: {enabled: false}
    outlier_detection: {max_ejection_percent: 0}
    circuit_breaker: {failure_rate_threshold: 100, sliding_window_size: 1000, minimum_number_of_calls: 1000}
    retry: {max_attempts: 3, backoff: {initial: 100ms, max: 100ms, jitter: 0}, budget_ratio: 0.2, budget_min_retries_per_second: 1}
    client: {max_connections: 128}
routes:
  - {name: api, prefix: /api/, upstream: backend, auth: none, idempotent: true, timeout: 10s}
)",
                                             {{"A", port_text(a.port())}, {"B", port_text(b.port())}})));

    struct Answer {
        int status = 0;
        std::string code;
        steady_clock::time_point at;
    };
    std::vector<Answer> answers(kRequests);
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < kRequests; ++i) {
        clients.emplace_back([&, i] {
            auto response = gateway.request("GET", "/api/work?i=" + std::to_string(i));
            answers[i] = {response ? response->status : 0, response ? error_code(*response) : "", steady_clock::now()};
        });
    }
    // Every first attempt is held upstream until all are in flight: the budget then sees them all at once.
    const bool all_in = poll_until([&] { return a.request_count() + b.request_count() >= kRequests; });
    const auto opened_at = steady_clock::now();
    first_wave->open();
    for (auto& client : clients) client.join();
    ASSERT_TRUE(all_in) << a.request_count() + b.request_count();
    const double elapsed = std::chrono::duration<double>(steady_clock::now() - opened_at).count();

    for (std::size_t i = 0; i < kRequests; ++i) {
        EXPECT_EQ(answers[i].status, 503) << i;
        EXPECT_FALSE(answers[i].code.empty()) << i << ": a JSON error body";
        EXPECT_LT(answers[i].at - opened_at, 3s) << i;
    }
    const double retries = gateway.metric("visiongrid_upstream_retries_total{upstream=\"backend\"}").value_or(-1);
    const double refused =
        gateway.metric("visiongrid_upstream_retry_budget_exhausted_total{upstream=\"backend\"}").value_or(-1);
    // Unbudgeted, every request would retry twice. The budget allows ratio x active requests retries
    // at a time (each request at most max_attempts - 1 of them) plus the per-second floor.
    const double unbudgeted = static_cast<double>(kRequests) * (kMaxAttempts - 1);
    const double bound = kBudgetRatio * kRequests * (kMaxAttempts - 1) + kMinRetriesPerSecond * (1 + elapsed);
    EXPECT_GE(retries, 1) << "the ratio allows some retries";
    EXPECT_LE(retries, bound) << "unbudgeted: " << unbudgeted;
    EXPECT_GT(refused, 0);
    EXPECT_EQ(static_cast<double>(a.request_count() + b.request_count()), kRequests + retries)
        << "every retry is one more attempt upstream";
}

TEST(GatewayRetryBudgetTest, NothingListeningAnswersEveryoneFastWithAJsonError) {
    FakeUpstream a;
    FakeUpstream b;
    const unsigned short port_a = a.port();
    const unsigned short port_b = b.port();
    a.stop();
    b.stop();
    ASSERT_TRUE(connection_refused(port_a) && connection_refused(port_b));
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend:
    instances: ["127.0.0.1:@A@", "127.0.0.1:@B@"]
    health_check: {enabled: false}
    circuit_breaker: {wait_duration_in_open_state: 60s}
    retry: {max_attempts: 3, backoff: {initial: 10ms, max: 10ms}, budget_ratio: 0.2, budget_min_retries_per_second: 1}
routes:
  - {name: api, prefix: /api/, upstream: backend, auth: none, idempotent: true, timeout: 10s}
)",
                                             {{"A", port_text(port_a)}, {"B", port_text(port_b)}})));
    constexpr std::size_t kRequests = 20;
    std::vector<std::optional<RawResponse>> answers(kRequests);
    const auto started = steady_clock::now();
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < kRequests; ++i) {
        clients.emplace_back([&, i] { answers[i] = gateway.request("GET", "/api/work"); });
    }
    for (auto& client : clients) client.join();
    const auto elapsed = steady_clock::now() - started;
    EXPECT_LT(elapsed, 3s);
    std::size_t unreachable = 0;
    for (std::size_t i = 0; i < kRequests; ++i) {
        ASSERT_TRUE(answers[i]) << i;
        const std::string code = error_code(*answers[i]);
        if (answers[i]->status == 502 && code == "upstream_unreachable") {
            ++unreachable;
            continue;
        }
        EXPECT_EQ(answers[i]->status, 503) << i << ": " << answers[i]->body;
        EXPECT_EQ(code, "no_healthy_upstream") << i << ": " << answers[i]->body;
    }
    EXPECT_GE(unreachable, 1u) << "the first requests find the breakers closed and try";
    const double retries = gateway.metric("visiongrid_upstream_retries_total{upstream=\"backend\"}").value_or(0);
    // As above: ratio x requests x (max_attempts - 1), plus the floor of 1 a second.
    const double bound = 0.2 * kRequests * 2 + 1 * (1 + std::chrono::duration<double>(elapsed).count());
    EXPECT_LE(retries, bound) << "unbudgeted: " << kRequests * 2;

    // The failures opened both breakers: now the gateway answers at once without trying.
    EXPECT_EQ(gateway.metric(instance_series("visiongrid_upstream_breaker_state", "backend", port_a)), 1.0);
    EXPECT_EQ(gateway.metric(instance_series("visiongrid_upstream_breaker_state", "backend", port_b)), 1.0);
    auto refused = gateway.request("GET", "/api/work");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503) << refused->body;
    EXPECT_EQ(error_code(*refused), "no_healthy_upstream");
    EXPECT_EQ(refused->headers.get_or("Retry-After", ""), "1");
}

TEST(GatewayDistributionTest, RoundRobinSplitsEvenlyAndConsistentHashKeepsAKeyOnOneInstance) {
    FakeUpstream a;
    FakeUpstream b;
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  rr:
    instances: ["127.0.0.1:@A@", "127.0.0.1:@B@"]
    load_balancing: round_robin
    health_check: {enabled: false}
  ch:
    instances: ["127.0.0.1:@A@", "127.0.0.1:@B@"]
    load_balancing: consistent_hash
    health_check: {enabled: false}
routes:
  - {name: rr, prefix: /rr/, upstream: rr, auth: none}
  - {name: ch, prefix: /ch/, upstream: ch, auth: none, affinity: "header:X-Key"}
)",
                                             {{"A", port_text(a.port())}, {"B", port_text(b.port())}})));
    for (int i = 0; i < 100; ++i) {
        auto response = gateway.request("GET", "/rr/item");
        ASSERT_TRUE(response);
        ASSERT_EQ(response->status, 200) << response->body;
    }
    EXPECT_NEAR(static_cast<double>(a.request_count()), 50, 1);
    EXPECT_NEAR(static_cast<double>(b.request_count()), 50, 1);

    for (int round = 0; round < 3; ++round) {
        for (int key = 0; key < 20; ++key) {
            auto response = gateway.request("GET", "/ch/item", "", "X-Key: key-" + std::to_string(key) + "\r\n");
            ASSERT_TRUE(response);
            ASSERT_EQ(response->status, 200) << response->body;
        }
    }
    std::map<std::string, std::set<int>> instances_of_key;
    for (int which = 0; which < 2; ++which) {
        for (const auto& request : (which == 0 ? a : b).requests()) {
            if (request.target.starts_with("/ch/"))
                instances_of_key[std::string(request.headers.get_or("X-Key", ""))].insert(which);
        }
    }
    ASSERT_EQ(instances_of_key.size(), 20u) << "the affinity header reaches the upstream";
    std::set<int> used;
    for (const auto& [key, instances] : instances_of_key) {
        EXPECT_EQ(instances.size(), 1u) << key << " went to more than one instance";
        used.insert(instances.begin(), instances.end());
    }
    EXPECT_EQ(used.size(), 2u) << "20 keys all hashed to one instance";
}

TEST(GatewayStreamingTest, ServerSentEventsPassThroughUnbuffered) {
    auto events = std::make_shared<ChunkedBody>();
    FakeUpstream upstream([&](const RecordedRequest&) {
        return Reply::streamed(events).header("Content-Type", "text/event-stream").header("Cache-Control", "no-cache");
    });
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: events, prefix: /events, upstream: backend, auth: none}
)",
                                             {{"UP", port_text(upstream.port())}})));
    events->write("data: first\n\n");
    RawConnection client(gateway.port());
    ASSERT_TRUE(client.send("GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
    // The upstream has not finished (nor sent the second event): the first must arrive on its own.
    ASSERT_TRUE(client.read_until("data: first\n\n", 5s)) << "the first event was held back";
    events->write("data: second\n\n");
    ASSERT_TRUE(client.read_until("data: second\n\n", 5s));
    events->finish();
    auto response = client.read_response(5s);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->headers.get_or("Content-Type", ""), "text/event-stream");
    EXPECT_FALSE(response->headers.contains("Content-Length"));
    EXPECT_EQ(response->body, "data: first\n\ndata: second\n\n");
}


TEST(GatewayStreamingTest, AStreamThatBreaksUpstreamArrivesVisiblyTruncated) {
    auto events = std::make_shared<ChunkedBody>();
    FakeUpstream upstream([&](const RecordedRequest&) { return Reply::streamed(events).header("Content-Type", "text/event-stream"); });
    GatewayProcess gateway(gateway_file(fill(R"(
upstreams:
  backend: {instances: ["127.0.0.1:@UP@"], health_check: {enabled: false}}
routes:
  - {name: events, prefix: /events, upstream: backend, auth: none}
)",
                                             {{"UP", port_text(upstream.port())}})));
    events->write("data: first\n\n");
    RawConnection client(gateway.port());
    ASSERT_TRUE(client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(client.read_until("data: first\n\n", 5s));
    events->abort();  // the upstream dies mid-body
    // No terminating chunk: the client's parser must not see a complete response.
    EXPECT_FALSE(client.read_response(5s)) << "a broken stream looked complete";
    EXPECT_TRUE(client.closed_by_peer(5s));
}

}  // namespace
}  // namespace vg::test
