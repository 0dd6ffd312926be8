// Overload at twice the capacity: a model instance of known capacity (remote engine; an upstream that
// answers after a fixed service time; `max_connections` calls upstream at a time and `max_queue` waiting)
// behind the gateway, driven at 2x that rate by an open-loop client. The excess must be refused fast with
// 429/503 and Retry-After, the admitted requests keep a bounded latency, memory stays bounded, and the
// first request after the overload is served in one service time.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "image/base64.hpp"
#include "integration/gateway_harness.hpp"
#include "integration/load_harness.hpp"
#include "net/request.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace images = vg::image::testing;

constexpr auto kServiceTime = 100ms;  // what the upstream takes for each answer
constexpr int kSlots = 4;             // model.remote.max_connections: answers in progress at once
constexpr int kQueue = 4;             // model.remote.max_queue: admitted requests waiting for a slot
constexpr double kCapacity = kSlots * 1000.0 / kServiceTime.count();  // requests per second
constexpr auto kOverload = 8s;
constexpr auto kBaseline = 3s;

// One streamed answer in the OpenAI format, whole: the delay is the service time, not the transfer.
const std::string kAnswer =
    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"content\":\"ok\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"choices\":[{\"index\":0,"
    "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";

struct Summary {
    std::size_t sent = 0;
    std::size_t admitted = 0;
    std::size_t refused = 0;         // 429/503 with Retry-After and a JSON error code
    std::vector<std::string> other;  // anything else, described
    std::map<std::string, std::size_t> refusal_codes;
    double admitted_p50 = 0, admitted_p99 = 0, admitted_max = 0;
    double refused_p50 = 0, refused_p99 = 0, refused_max = 0;
};

Summary summarise(const std::vector<LoadOutcome>& outcomes) {
    Summary s;
    std::vector<double> admitted, refused;
    for (const auto& o : outcomes) {
        ++s.sent;
        if (o.status == 200) {
            admitted.push_back(o.latency_ms);
        } else if ((o.status == 429 || o.status == 503) && o.retry_after && !o.error_code.empty()) {
            refused.push_back(o.latency_ms);
            ++s.refusal_codes[std::to_string(o.status) + " " + o.error_code];
        } else if (s.other.size() < 10) {
            s.other.push_back(std::to_string(o.status) + " " + o.error_code + (o.retry_after ? " (Retry-After)" : ""));
        } else {
            s.other.back() = "...";
        }
    }
    s.admitted = admitted.size();
    s.refused = refused.size();
    s.admitted_p50 = percentile(admitted, 50);
    s.admitted_p99 = percentile(admitted, 99);
    s.admitted_max = percentile(admitted, 100);
    s.refused_p50 = percentile(refused, 50);
    s.refused_p99 = percentile(refused, 99);
    s.refused_max = percentile(refused, 100);
    return s;
}

class OverloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        model_ = std::make_unique<ChildProcess>(
            VG_BINARY,
            std::vector<std::string>{"model", "--set", "model.engine=remote", "--set",
                                     "model.remote.url=" + upstream_.url("/"), "--set", "model.remote.model=m", "--set",
                                     "model.remote.max_connections=" + std::to_string(kSlots), "--set",
                                     "model.remote.max_queue=" + std::to_string(kQueue), "--set", "model.server.port=0",
                                     "--set", "model.server.host=127.0.0.1", "--set", "log.level=warn"});
        model_port_ = model_->wait_for_port();
        auto ready = model_->wait_for_line("visiongrid model", 30s);
        ASSERT_TRUE(ready && ready->find("ready") != std::string::npos) << model_->stderr_text();
        // The gateway as configured in config/gateway.example.yaml (breaker, retries, idempotent model
        // route), with quicker health checks.
        gateway_ = std::make_unique<GatewayProcess>(gateway_file(fill(R"(
upstreams:
  model:
    instances: ["127.0.0.1:@MODEL@"]
    health_check: {path: /ready, interval: 500ms, timeout: 500ms}
    circuit_breaker: {failure_rate_threshold: 50, sliding_window_size: 2, minimum_number_of_calls: 2, wait_duration_in_open_state: 1s}
    retry: {max_attempts: 3, backoff: {initial: 500ms, multiplier: 1, max: 500ms, jitter: 0.2}}
routes:
  - {name: model, prefix: /api/model/, upstream: model, timeout: 30s, auth: none, idempotent: true}
)",
                                                                      {{"MODEL", port_text(model_port_)}})));
        body_ = json{
            {"image", image::encode_base64(images::encode(images::solid(48, 32, {20, 160, 90}), ".png"))},
            {"question", "what colour?"},
            {"max_tokens",
             8}}.dump();
    }

    void TearDown() override {
        gateway_.reset();
        if (model_) {
            model_->signal(SIGTERM);
            model_->wait(10s);
        }
    }

    std::optional<RawResponse> infer() const {
        return gateway_->request("POST", "/api/model/infer", body_, "Content-Type: application/json\r\n");
    }

    Delayer delayer_;
    FakeUpstream upstream_{[this](const RecordedRequest&) {
        return Reply::respond(200, kAnswer)
            .header("Content-Type", "text/event-stream")
            .after(delayer_.gate_after(kServiceTime));
    }};
    std::unique_ptr<ChildProcess> model_;
    unsigned short model_port_ = 0;
    std::unique_ptr<GatewayProcess> gateway_;
    std::string body_;
};

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

TEST_F(OverloadTest, TwiceTheCapacityIsRefusedFastWhileAdmittedRequestsKeepABoundedLatency) {
    ASSERT_TRUE(gateway_);
    // One request alone: the service time plus the platform's own overhead.
    const auto alone_started = Clock::now();
    auto alone = infer();
    const double alone_ms = ms(Clock::now() - alone_started);
    ASSERT_TRUE(alone && alone->status == 200) << (alone ? alone->body : "no answer");

    const std::vector<std::pair<std::string, pid_t>> processes{{"model", model_->pid()},
                                                               {"gateway", gateway_->process().pid()}};
    // Half the capacity first: the memory the processes need when they are not overloaded.
    ProcessSampler baseline_sampler(processes, 100ms);
    {
        PacedLoad load([this](std::size_t) { return infer(); }, kCapacity / 2, 16);
        std::this_thread::sleep_for(kBaseline);  // the length of the phase, not a wait for an event
        load.stop();
        const Summary s = summarise(load.outcomes());
        EXPECT_EQ(s.admitted, s.sent) << "at half the capacity nothing is refused: " << testing::PrintToString(s.other)
                                      << testing::PrintToString(s.refusal_codes);
    }
    baseline_sampler.stop();

    ProcessSampler sampler(processes, 100ms);
    PacedLoad load([this](std::size_t) { return infer(); }, 2 * kCapacity, 64);
    std::this_thread::sleep_for(kOverload);  // the length of the phase
    load.stop();
    // The first request after the overload: the service recovers at once.
    const auto recovery_started = Clock::now();
    auto recovery = infer();
    const double recovery_ms = ms(Clock::now() - recovery_started);
    sampler.stop();

    const Summary s = summarise(load.outcomes());
    const auto base = baseline_sampler.samples();
    const auto during = sampler.samples();
    auto peak_rss = [](const std::vector<ProcessSampler::Sample>& samples) {
        double peak = 0;
        for (const auto& sample : samples) peak = std::max(peak, sample.usage.rss_mib);
        return peak;
    };

    // Admitted requests wait for at most kQueue / kSlots answers ahead of them, then take their own.
    const double admitted_bound_ms = kServiceTime.count() * (1.0 + static_cast<double>(kQueue) / kSlots) + 150;
    // A refusal costs no work: well under one service time (~2 ms measured here), even on a busy machine.
    const double refusal_bound_ms = kServiceTime.count() / 2.0;
    const double run_s = std::chrono::duration<double>(kOverload).count();

    std::printf(
        "\noverload: %.0f req/s offered against a capacity of %.0f req/s (%d slots x %lld ms, queue %d) for %.0f s\n",
        2 * kCapacity, kCapacity, kSlots, static_cast<long long>(kServiceTime.count()), kQueue, run_s);
    std::printf("  %-28s %8s\n", "one request alone", (std::to_string(static_cast<int>(alone_ms)) + " ms").c_str());
    std::printf("  %-28s %8zu  (%.1f req/s)\n", "sent", s.sent, static_cast<double>(s.sent) / run_s);
    std::printf("  %-28s %8zu  (%.1f req/s)\n", "admitted (200)", s.admitted, static_cast<double>(s.admitted) / run_s);
    std::printf("  %-28s %8zu\n", "refused (429/503+Retry-After)", s.refused);
    for (const auto& [code, n] : s.refusal_codes) std::printf("    %-26s %8zu\n", code.c_str(), n);
    std::printf("  %-28s %8zu\n", "anything else", s.sent - s.admitted - s.refused);
    std::printf("  %-28s p50 %6.1f  p99 %6.1f  max %6.1f ms (bound %.0f)\n", "admitted latency", s.admitted_p50,
                s.admitted_p99, s.admitted_max, admitted_bound_ms);
    std::printf("  %-28s p50 %6.1f  p99 %6.1f  max %6.1f ms (bound %.0f)\n", "refusal latency", s.refused_p50,
                s.refused_p99, s.refused_max, refusal_bound_ms);
    for (const auto& [name, pid] : processes) {
        std::printf("  %-28s baseline peak %6.1f MiB, overload peak %6.1f MiB\n", (name + " RSS").c_str(),
                    peak_rss(base.at(name)), peak_rss(during.at(name)));
    }
    std::printf("  %-28s %8.1f ms (status %d)\n", "first request after", recovery_ms, recovery ? recovery->status : 0);
    std::fflush(stdout);

    EXPECT_TRUE(s.other.empty()) << "every answer is a 200 or a refusal with Retry-After: "
                                 << testing::PrintToString(s.other);
    // Offered twice the capacity, about half must be refused; the admitted rate cannot beat the capacity
    // (plus the queue that was empty when the overload began).
    EXPECT_GE(static_cast<double>(s.refused), 0.3 * static_cast<double>(s.sent));
    EXPECT_LE(static_cast<double>(s.admitted), kCapacity * (run_s + 1) + kQueue);
    EXPECT_GE(static_cast<double>(s.admitted), 0.7 * kCapacity * run_s) << "the service kept working at its capacity";
    EXPECT_LT(s.refused_p99, refusal_bound_ms) << "refusals are fast";
    EXPECT_LT(s.admitted_p99, admitted_bound_ms) << "admitted requests keep a bounded latency";
    for (const auto& [name, pid] : processes) {
        // Bounded: the overload's extra connections and buffers, not a queue that grows with the excess.
        EXPECT_LT(peak_rss(during.at(name)), peak_rss(base.at(name)) * 1.25 + 16) << name;
    }
    ASSERT_TRUE(recovery);
    EXPECT_EQ(recovery->status, 200) << recovery->body;
    EXPECT_LT(recovery_ms, alone_ms + kServiceTime.count()) << "the first request after the overload is served at once";
    EXPECT_TRUE(sampler.lost().empty());
}

// The model's own admission: with every connection upstream busy and the queue full, a request is refused
// before its body is read (an image that is not one still gets 503, not 400), marked as a refusal at
// capacity so that the gateway does not count it against the instance.
TEST(ModelAdmissionTest, BeyondSlotsAndQueueTheModelRefusesAtOnceWithoutReadingTheRequest) {
    auto release = std::make_shared<Gate>();
    FakeUpstream upstream([&](const RecordedRequest&) {
        return Reply::respond(200, kAnswer).header("Content-Type", "text/event-stream").after(release);
    });
    ChildProcess model(
        VG_BINARY, {"model", "--set", "model.engine=remote", "--set", "model.remote.url=" + upstream.url("/"), "--set",
                    "model.remote.max_connections=1", "--set", "model.remote.max_queue=1", "--set",
                    "model.server.port=0", "--set", "model.server.host=127.0.0.1", "--set", "log.level=warn"});
    const unsigned short port = model.wait_for_port();
    auto ready = model.wait_for_line("visiongrid model", 30s);
    ASSERT_TRUE(ready && ready->find("ready") != std::string::npos) << model.stderr_text();
    const std::string good = json{
        {"image", image::encode_base64(images::encode(images::solid(16, 16, {1, 2, 3}), ".png"))},
        {"question", "q"}}.dump();
    const std::string bad = json{{"image", "this is not base64 at all!"}, {"question", "q"}}.dump();
    auto post = [&](const std::string& body) {
        return http_request(port, "POST", "/api/model/infer", body, "Content-Type: application/json\r\n");
    };
    auto in_flight = [&] {
        auto info = http_request(port, "GET", "/api/model/info");
        return info ? json::parse(info->body, nullptr, false).value("in_flight", -1) : -1;
    };

    std::vector<std::optional<RawResponse>> held(2);
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < held.size(); ++i) clients.emplace_back([&, i] { held[i] = post(good); });
    // One call upstream, one waiting for the connection.
    const bool full = poll_until([&] { return upstream.request_count() == 1 && in_flight() == 2; });

    const auto started = Clock::now();
    auto refused = post(bad);
    const double refused_ms = ms(Clock::now() - started);
    release->open();
    for (auto& client : clients) client.join();
    ASSERT_TRUE(full) << "in flight: " << in_flight();

    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503) << refused->body;
    EXPECT_EQ(error_code(*refused), "queue_full");
    EXPECT_EQ(refused->headers.get_or("Retry-After", ""), "1");
    EXPECT_EQ(refused->headers.get_or(net::kOverloadedHeader, ""), "1");
    EXPECT_LT(refused_ms, 500) << "refused at once";
    for (const auto& answer : held) {
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->status, 200) << answer->body;
    }
    // With room again, the same request is read and gets its real answer.
    auto read = post(bad);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 400) << read->body;
    model.signal(SIGTERM);
    EXPECT_EQ(model.wait(10s), 0);
}

}  // namespace
}  // namespace vg::test
