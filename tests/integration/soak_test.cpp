// Soak: steady load through the real gateway and a real model process (remote engine in front of a fake
// OpenAI upstream) while the resident memory, open file descriptors and threads of both are read from
// /proc. Nothing may grow: after a warm-up, the last third of the run may differ from the first third by
// less than the drift limit, the least-squares trend over the run must stay under the growth limit, and
// every request must succeed.
//
// VG_SOAK_SECONDS sets the length (default 40: the variant in the test suite; scripts/soak runs 600).
// The limits scale with it, see SoakLimits. VG_SOAK_SAMPLES=FILE also writes every sample there as CSV.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "image/base64.hpp"
#include "integration/gateway_harness.hpp"
#include "integration/load_harness.hpp"
#include "support/fake_openai_server.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace images = vg::image::testing;

constexpr int kDistinctImages = 32;  // rotated, so decoding (and the decoded-image cache) stay in play

// How long, how hard, and what "did not grow" means for a run of that length.
struct SoakLimits {
    double seconds;
    double warmup_seconds;  // allocator arenas, pools and caches fill up first
    double rate;            // requests per second
    std::chrono::milliseconds sample_period;
    // In percent, for every series; resident memory is the one they are sized for. The full run: the
    // issue's 10 % drift, and a trend under 5 % of the process over the 9 measured minutes. A leak of
    // 1 KiB a request at 40 req/s is 2.3 MiB a minute, ~20 MiB over that window: 50 % of a ~40 MiB
    // process. The short run measures 30 s, in which the same leak adds only 1.2 MiB (3 %); the RSS of
    // these processes moves by less than 0.3 % over such a run, so 5 % is safe from noise and a leak of
    // 4 KiB a request (4.7 MiB, 11 %) fails it.
    double drift_percent;
    double growth_percent;

    static SoakLimits for_length(double seconds) {
        const bool full = seconds >= 300;
        return SoakLimits{seconds, full ? 60 : seconds / 4, 40, full ? 2000ms : 250ms, full ? 10.0 : 5.0, 5.0};
    }
};

// What is sampled, and how far a series may move whatever its percentage. Descriptors and threads are
// small counts that pools legitimately grow and shrink: the model's libvips workers (GLib starts and
// retires them by demand) and the keep-alive connections of three pools. A leak of one descriptor or
// thread per 100 requests still adds 12 of them over the short run's window and 216 over the full one.
struct Series {
    const char* name;
    double (*value)(const ProcessUsage&);
    double slack;
};
constexpr Series kSeries[] = {
    {"rss MiB", [](const ProcessUsage& u) { return u.rss_mib; }, 0},
    {"fds", [](const ProcessUsage& u) { return static_cast<double>(u.fds); }, 4},
    {"threads", [](const ProcessUsage& u) { return static_cast<double>(u.threads); }, 4},
};

double soak_seconds() {
    const char* text = std::getenv("VG_SOAK_SECONDS");
    if (!text) return 40;
    const double seconds = std::atof(text);
    return seconds >= 10 ? seconds : 40;
}

class SoakTest : public ::testing::Test {
protected:
    void SetUp() override {
        openai_.set_default(OpenAiReply::stream({"a ", "green ", "square"}).with_usage(40, 3));
        model_ = std::make_unique<ChildProcess>(
            VG_BINARY, std::vector<std::string>{"model", "--set", "model.engine=remote", "--set",
                                                "model.remote.url=" + openai_.base_url(), "--set",
                                                "model.remote.model=m", "--set", "model.server.port=0", "--set",
                                                "model.server.host=127.0.0.1", "--set", "log.level=warn"});
        const unsigned short model_port = model_->wait_for_port();
        auto ready = model_->wait_for_line("visiongrid model", 30s);
        ASSERT_TRUE(ready && ready->find("ready") != std::string::npos) << model_->stderr_text();
        gateway_ = std::make_unique<GatewayProcess>(gateway_file(fill(R"(
upstreams:
  model:
    instances: ["127.0.0.1:@MODEL@"]
    health_check: {path: /ready, interval: 1s, timeout: 1s}
routes:
  - {name: model, prefix: /api/model/, upstream: model, timeout: 30s, auth: none, idempotent: true}
  - {name: openai, prefix: /v1/, upstream: model, timeout: 30s, auth: none, idempotent: true}
)",
                                                                      {{"MODEL", port_text(model_port)}})));
        for (int i = 0; i < kDistinctImages; ++i) {
            const double shade = i * 8;
            const std::string png =
                images::encode(images::halves(40 + i, 32, {shade, 90, 30}, {30, 60, shade}), ".png");
            infer_bodies_.push_back(
                json{{"image", image::encode_base64(png)}, {"question", "what is it?"}, {"max_tokens", 16}}.dump());
            chat_bodies_.push_back(json{
                {"model", "m"},
                {"stream", true},
                {"messages",
                 json::array({{{"role", "user"},
                               {"content",
                                json::array({{{"type", "text"}, {"text", "what is it?"}},
                                             {{"type", "image_url"},
                                              {"image_url",
                                               {{"url", "data:image/png;base64," + image::encode_base64(png)}}}}})}}})}}
                                       .dump());
        }
    }

    void TearDown() override {
        gateway_.reset();
        if (model_) {
            model_->signal(SIGTERM);
            model_->wait(10s);
        }
    }

    // Three of four requests are /api/model/infer, the fourth a streamed chat completion.
    std::optional<RawResponse> send(std::size_t index) const {
        const std::size_t image = index % kDistinctImages;
        if (index % 4 == 3) {
            auto response = gateway_->request("POST", "/v1/chat/completions", chat_bodies_[image],
                                              "Content-Type: application/json\r\n");
            // A stream that failed midway still began with 200: it must end with [DONE].
            if (response && response->status == 200 && response->body.find("data: [DONE]") == std::string::npos)
                response->status = -1;
            return response;
        }
        return gateway_->request("POST", "/api/model/infer", infer_bodies_[image],
                                 "Content-Type: application/json\r\n");
    }

    FakeOpenAiServer openai_;
    std::unique_ptr<ChildProcess> model_;
    std::unique_ptr<GatewayProcess> gateway_;
    std::vector<std::string> infer_bodies_;
    std::vector<std::string> chat_bodies_;
};

TEST_F(SoakTest, SteadyLoadThroughGatewayAndModelGrowsNothingAndFailsNothing) {
    ASSERT_TRUE(gateway_);
    const SoakLimits limits = SoakLimits::for_length(soak_seconds());
    const std::vector<std::pair<std::string, pid_t>> processes{{"gateway", gateway_->process().pid()},
                                                               {"model", model_->pid()}};

    ProcessSampler sampler(processes, limits.sample_period);
    // Four workers: at most four requests in flight, so every connection pool reaches its working size in
    // the warm-up and a late burst cannot grow one afterwards (which would look like a descriptor leak).
    PacedLoad load([this](std::size_t index) { return send(index); }, limits.rate, 4);
    const auto started = Clock::now();
    const auto end =
        started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits.seconds));
    while (Clock::now() < end) {
        // The run's length, in steps: the children's stderr pipes are emptied so that a chatty process
        // cannot block on a full pipe (and what they said stays available to the failure messages).
        std::this_thread::sleep_for(std::min<Clock::duration>(1s, end - Clock::now()));
        model_->stderr_text();
        gateway_->process().stderr_text();
    }
    load.stop();
    sampler.stop();

    const auto outcomes = load.outcomes();
    std::vector<double> latencies;
    std::map<std::string, std::size_t> failures;
    for (const auto& o : outcomes) {
        latencies.push_back(o.latency_ms);
        if (o.status != 200) ++failures[std::to_string(o.status) + (o.error_code.empty() ? "" : " " + o.error_code)];
    }
    std::size_t failed = 0;
    for (const auto& [what, n] : failures) failed += n;

    const auto samples = sampler.samples();
    if (const char* file = std::getenv("VG_SOAK_SAMPLES")) {
        std::ofstream csv(file);
        csv << "process,seconds,rss_mib,fds,threads\n";
        for (const auto& [name, series] : samples) {
            for (const auto& s : series) {
                csv << name << ',' << s.seconds << ',' << s.usage.rss_mib << ',' << s.usage.fds << ','
                    << s.usage.threads << '\n';
            }
        }
    }
    std::printf(
        "\nsoak: %.0f s at %.0f req/s through gateway -> model (remote engine), warm-up %.0f s, sample every %lld ms\n",
        limits.seconds, limits.rate, limits.warmup_seconds, static_cast<long long>(limits.sample_period.count()));
    std::printf("  requests %zu, failed %zu, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", outcomes.size(), failed,
                percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100));
    std::printf("  %-8s %-8s %8s %10s %10s %8s %10s %9s %8s  %s\n", "process", "series", "samples", "first 1/3",
                "last 1/3", "drift%", "slope/min", "growth%", "peak", "verdict");
    bool all_pass = failed == 0 && sampler.lost().empty();
    for (const auto& [name, pid] : processes) {
        ASSERT_TRUE(samples.count(name)) << name << " was never sampled";
        for (const auto& series : kSeries) {
            const Trend t = trend(samples.at(name), limits.warmup_seconds, series.value);
            const bool drift_ok = std::abs(t.last_mean - t.first_mean) <= series.slack ||
                                  std::abs(t.drift_percent) < limits.drift_percent;
            const double grown = t.growth_percent / 100 * (t.first_mean + t.last_mean) / 2;
            const bool growth_ok = grown <= series.slack || t.growth_percent < limits.growth_percent;
            all_pass = all_pass && drift_ok && growth_ok;
            std::printf("  %-8s %-8s %8zu %10.1f %10.1f %8.2f %10.3f %9.2f %8.1f  %s\n", name.c_str(), series.name,
                        t.samples, t.first_mean, t.last_mean, t.drift_percent, t.slope_per_minute, t.growth_percent,
                        t.peak, drift_ok && growth_ok ? "ok" : "GROWS");
            EXPECT_GE(t.samples, 10u) << name << " " << series.name;
            EXPECT_TRUE(drift_ok) << name << " " << series.name << " drifted " << t.drift_percent << " % (limit "
                                  << limits.drift_percent << " %)";
            EXPECT_TRUE(growth_ok) << name << " " << series.name << " trend grows " << t.growth_percent
                                   << " % over the window (limit " << limits.growth_percent << " %)";
        }
    }
    std::printf("  verdict: %s (limits: drift < %.0f %%, growth < %.0f %%, fds and threads may move by 4; errors 0)\n",
                all_pass ? "PASS" : "FAIL", limits.drift_percent, limits.growth_percent);
    std::fflush(stdout);

    EXPECT_EQ(failed, 0u) << testing::PrintToString(failures);
    EXPECT_GE(static_cast<double>(outcomes.size()), 0.9 * limits.rate * limits.seconds) << "the load kept its rate";
    EXPECT_TRUE(sampler.lost().empty()) << testing::PrintToString(sampler.lost());
    auto health = gateway_->request("GET", "/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace vg::test
