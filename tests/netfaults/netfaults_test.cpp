// Network faults between hosts: the real gateway and two real model processes (remote engine, each with its
// own fake OpenAI upstream beside it), each in its own network namespace, joined by emulated links
// (network_lab.hpp). One instance's link is cut, delayed by 2 s, made to drop 30 % of its packets, and the
// other is partitioned off and healed, under steady load of idempotent model requests and GETs. The gateway
// must move the traffic to the other instance, open and close breakers, and lose no request; each phase's
// figures are printed as a table.
//
// Skipped, with the reason, where namespaces cannot be made (not root, no CAP_NET_ADMIN, no `ip`, no TUN).
// VG_NETFAULTS_FAULT_SECONDS sets how long each fault lasts (default 4; scripts/netfaults uses 15).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "image/base64.hpp"
#include "integration/gateway_harness.hpp"
#include "integration/load_harness.hpp"
#include "netfaults/network_lab.hpp"
#include "support/fake_openai_server.hpp"
#include "support/test_images.hpp"

namespace vg::test::netfaults {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace images = vg::image::testing;

constexpr double kInferPerSecond = 30;
constexpr double kGetsPerSecond = 20;
constexpr auto kBaseline = 2s;
constexpr auto kRecoveryLimit = 15s;
// Requests are shifted once the gateway stops choosing the instance: within a few failed calls (the breaker
// needs 2), or unhealthy_threshold probes of interval + timeout.
constexpr auto kShiftLimit = 3s;

double seconds_since(Clock::time_point from, Clock::time_point to = Clock::now()) {
    return std::chrono::duration<double>(to - from).count();
}

std::chrono::milliseconds fault_length() {
    const char* text = std::getenv("VG_NETFAULTS_FAULT_SECONDS");
    const int seconds = text ? std::atoi(text) : 0;
    return std::chrono::seconds(seconds >= 2 ? seconds : 4);
}

// One model host: its namespace, its address on the link to the gateway, its upstream and process.
struct ModelHost {
    std::string ns;
    std::string address;
    std::unique_ptr<FakeOpenAiServer> openai;
    std::unique_ptr<ChildProcess> process;
    unsigned short port = 0;

    std::string id() const { return address + ":" + std::to_string(port); }
};

// What the gateway's /metrics says about one instance at one moment.
struct InstanceView {
    double healthy = 1;
    double breaker = 0;  // 0 closed, 1 open, 2 half-open
    double opened = 0;   // breaker openings so far
    double ejections = 0;
    double ok = 0;  // attempts answered below 500
    double failed = 0;
    bool in_rotation() const { return healthy == 1 && breaker == 0; }
};

struct Snapshot {
    double retries = 0;
    std::map<std::string, InstanceView> instances;  // by id
};

struct PhaseReport {
    std::string name;
    std::string faulty;             // instance id
    double start_s = 0, end_s = 0;  // in load time: requests due in [start, end) belong to the phase
    std::size_t sent = 0, succeeded = 0, failed = 0;
    std::vector<std::string> failures;
    double retries = 0;
    double opened = 0;  // breaker openings, all instances
    int closed = 0;     // breaker closings seen (open or half-open -> closed)
    double ejections = 0;
    std::optional<double> shift_ms;    // fault -> the faulty instance out of rotation
    std::optional<double> recover_ms;  // heal -> back in rotation and serving
    double faulty_ok_late = 0;         // its successful attempts in the second half of the fault
    double other_ok = 0;               // the other instance's successful attempts during the fault
    std::uint64_t packets = 0;         // carried by the faulty link during the phase, both ways
    std::uint64_t dropped = 0;         // of which the link dropped
};

class NetFaultsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const std::string reason = lab_unavailable_reason(); !reason.empty()) GTEST_SKIP() << reason;
        lab_ = std::make_unique<NetworkLab>("vgnf");
        gw_ns_ = lab_->add("gw");
        for (int i = 0; i < 2; ++i) {
            auto& host = hosts_[i];
            const std::string n = std::to_string(i + 1);
            host.ns = lab_->add("m" + n);
            host.address = "10.77." + n + ".2";
            links_[i] = std::make_unique<EmulatedLink>(EmulatedLink::End{gw_ns_, "to-m" + n, "10.77." + n + ".1"},
                                                       EmulatedLink::End{host.ns, "to-gw", host.address});
            // The upstream listens on the model host's own loopback: faults on the gateway's link leave it alone.
            run_in_netns(host.ns, [&] { host.openai = std::make_unique<FakeOpenAiServer>(); });
            host.openai->set_default(OpenAiReply::complete("ok").with_usage(20, 1));
            host.process = std::make_unique<ChildProcess>(
                ip_program(), std::vector<std::string>{
                                  "netns", "exec", host.ns, VG_BINARY, "model", "--set", "model.engine=remote", "--set",
                                  "model.remote.url=" + host.openai->base_url(), "--set", "model.server.host=0.0.0.0",
                                  "--set", "model.server.port=0", "--set", "log.level=warn"});
            host.port = host.process->wait_for_port();
            auto ready = host.process->wait_for_line("visiongrid model", 30s);
            ASSERT_TRUE(ready && ready->find("ready") != std::string::npos) << host.process->stderr_text();
        }
        // From here this thread, the gateway it starts and the load's threads live on the gateway's host.
        scope_ = std::make_unique<NetnsScope>(gw_ns_);
        gateway_ =
            std::make_unique<GatewayProcess>(gateway_file(fill(R"(
client_threads: 2
upstreams:
  model:
    instances: ["@M1@", "@M2@"]
    load_balancing: round_robin
    health_check: {path: /ready, interval: 500ms, timeout: 400ms, healthy_threshold: 2, unhealthy_threshold: 3}
    outlier_detection: {consecutive_failures: 5, base_ejection_time: 1s, max_ejection_time: 2s, max_ejection_percent: 50}
    circuit_breaker: {failure_rate_threshold: 50, sliding_window_size: 4, minimum_number_of_calls: 2, wait_duration_in_open_state: 1s}
    retry: {max_attempts: 3, per_try_timeout: 800ms, backoff: {initial: 10ms, max: 50ms}, budget_ratio: 0.5, budget_min_retries_per_second: 50}
    client: {connect_timeout: 500ms}
routes:
  - {name: model, prefix: /api/model/, upstream: model, timeout: 10s, auth: none, idempotent: true}
)",
                                                               {{"M1", hosts_[0].id()}, {"M2", hosts_[1].id()}})));
        body_ = json{
            {"image", image::encode_base64(images::encode(images::solid(24, 24, {10, 200, 40}), ".png"))},
            {"question", "q"},
            {"max_tokens",
             4}}.dump();
    }

    void TearDown() override {
        load_.reset();
        if (gateway_) gateway_->stop();
        gateway_.reset();
        for (auto& host : hosts_) {
            if (!host.process) continue;
            host.process->signal(SIGTERM);
            host.process->wait(10s);
        }
        scope_.reset();
    }

    std::optional<RawResponse> send(std::size_t index) const {
        // Two of five are GETs; the rest POSTs on the idempotent model route.
        if (index % 5 < 2) return gateway_->request("GET", "/api/model/info");
        return gateway_->request("POST", "/api/model/infer", body_, "Content-Type: application/json\r\n");
    }

    Snapshot snapshot() const {
        const std::string text = gateway_->metrics();
        Snapshot s;
        s.retries = metric_value(text, "visiongrid_upstream_retries_total{upstream=\"model\"} ").value_or(0);
        for (const auto& host : hosts_) {
            const std::string labels = "{instance=\"" + host.id() + "\",upstream=\"model\"} ";
            auto value = [&](const std::string& name, double fallback) {
                return metric_value(text, name + labels).value_or(fallback);
            };
            InstanceView v;
            v.healthy = value("visiongrid_upstream_instance_healthy", -1);
            v.breaker = value("visiongrid_upstream_breaker_state", -1);
            v.opened = value("visiongrid_upstream_breaker_opened_total", 0);
            v.ejections = value("visiongrid_upstream_ejections_total", 0);
            const std::string attempts = "visiongrid_upstream_attempts_total{instance=\"" + host.id() + "\",outcome=\"";
            v.ok = metric_value(text, attempts + "ok\",upstream=\"model\"} ").value_or(0);
            v.failed = metric_value(text, attempts + "failed\",upstream=\"model\"} ").value_or(0);
            s.instances[host.id()] = v;
        }
        return s;
    }

    // Runs one fault on `faulty`'s link for fault_length(), heals it, and waits until the instance is back.
    PhaseReport run_phase(const std::string& name, int faulty, const std::function<void(EmulatedLink&)>& inject,
                          const std::function<void(EmulatedLink&)>& heal) {
        PhaseReport report;
        report.name = name;
        report.faulty = hosts_[faulty].id();
        const std::string other = hosts_[1 - faulty].id();
        const Snapshot before = snapshot();
        auto link_packets = [&] {
            const auto out = links_[faulty]->a_to_b();
            const auto back = links_[faulty]->b_to_a();
            return std::pair{out.forwarded + out.dropped + back.forwarded + back.dropped, out.dropped + back.dropped};
        };
        const auto packets_before = link_packets();
        report.start_s = seconds_since(load_->started());
        const auto injected = Clock::now();
        inject(*links_[faulty]);

        std::map<std::string, double> last_breaker;
        for (const auto& [id, v] : before.instances) last_breaker[id] = v.breaker;
        auto watch = [&](const Snapshot& now) {
            for (const auto& [id, v] : now.instances) {
                if (v.breaker == 0 && last_breaker[id] > 0) ++report.closed;
                last_breaker[id] = v.breaker;
            }
        };
        const auto fault_end = injected + fault_length();
        const auto half = injected + fault_length() / 2;
        std::optional<Snapshot> at_half;
        Snapshot now = before;
        while (Clock::now() < fault_end) {
            now = snapshot();
            watch(now);
            const auto& v = now.instances[report.faulty];
            if (!report.shift_ms && (!v.in_rotation() || v.ejections > before.instances.at(report.faulty).ejections)) {
                report.shift_ms = seconds_since(injected) * 1000;
            }
            if (!at_half && Clock::now() >= half) at_half = now;
            std::this_thread::sleep_for(25ms);  // the polling period of this measurement
        }
        report.faulty_ok_late = now.instances[report.faulty].ok - (at_half ? at_half->instances[report.faulty].ok : 0);
        report.other_ok = now.instances[other].ok - before.instances.at(other).ok;

        heal(*links_[faulty]);
        const auto healed = Clock::now();
        const Snapshot at_heal = snapshot();
        while (seconds_since(healed) < std::chrono::duration<double>(kRecoveryLimit).count()) {
            now = snapshot();
            watch(now);
            const auto& v = now.instances[report.faulty];
            bool all_closed = true;
            for (const auto& [id, view] : now.instances) all_closed = all_closed && view.in_rotation();
            if (all_closed && v.ok >= at_heal.instances.at(report.faulty).ok + 3) {
                report.recover_ms = seconds_since(healed) * 1000;
                break;
            }
            std::this_thread::sleep_for(25ms);
        }
        report.end_s = seconds_since(load_->started());
        report.retries = now.retries - before.retries;
        report.packets = link_packets().first - packets_before.first;
        report.dropped = link_packets().second - packets_before.second;
        for (const auto& [id, v] : now.instances) {
            report.opened += v.opened - before.instances.at(id).opened;
            report.ejections += v.ejections - before.instances.at(id).ejections;
        }
        return report;
    }

    std::unique_ptr<NetworkLab> lab_;
    std::string gw_ns_;
    std::unique_ptr<EmulatedLink> links_[2];
    ModelHost hosts_[2];
    std::unique_ptr<NetnsScope> scope_;
    std::unique_ptr<GatewayProcess> gateway_;
    std::unique_ptr<PacedLoad> load_;
    std::string body_;
};

std::string ms_text(const std::optional<double>& ms) {
    if (!ms) return "-";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", *ms);
    return buffer;
}

TEST_F(NetFaultsTest, TheGatewayShiftsTrafficAndLosesNoRetryableRequestThroughCutsDelaysLossAndPartitions) {
    ASSERT_TRUE(gateway_);
    // Both instances in rotation and serving before anything breaks.
    ASSERT_TRUE(poll_until(
        [&] {
            const Snapshot s = snapshot();
            for (const auto& [id, v] : s.instances) {
                if (v.healthy != 1) return false;
            }
            return true;
        },
        10s))
        << gateway_->metrics();
    const double rate = kInferPerSecond + kGetsPerSecond;
    load_ = std::make_unique<PacedLoad>([this](std::size_t index) { return send(index); }, rate, 48);
    std::this_thread::sleep_for(kBaseline);  // the baseline phase's length
    const Snapshot baseline = snapshot();
    for (const auto& host : hosts_) {
        ASSERT_GT(baseline.instances.at(host.id()).ok, 0) << host.id() << " took no traffic before the faults";
    }

    std::vector<PhaseReport> phases;
    phases.push_back(run_phase(
        "cut m1 (link down)", 0, [](EmulatedLink& link) { link.set_a_up(false); },
        [](EmulatedLink& link) { link.set_a_up(true); }));
    phases.push_back(run_phase(
        "m1 +2 s latency", 0, [](EmulatedLink& link) { link.impair_a_to_b({.delay = 2000ms}); },
        [](EmulatedLink& link) { link.heal(); }));
    phases.push_back(run_phase(
        "m1 drops 30 %", 0, [](EmulatedLink& link) { link.impair_both({.loss = 0.3}); },
        [](EmulatedLink& link) { link.heal(); }));
    phases.push_back(run_phase(
        "partition m2", 1, [](EmulatedLink& link) { link.impair_both({.blackhole = true}); },
        [](EmulatedLink& link) { link.heal(); }));
    load_->stop();

    // Each request belongs to the phase in which it was due.
    const auto outcomes = load_->outcomes();
    PhaseReport before_faults;
    before_faults.name = "baseline";
    before_faults.end_s = phases.front().start_s;
    std::vector<PhaseReport*> all{&before_faults};
    for (auto& phase : phases) all.push_back(&phase);
    for (const auto& o : outcomes) {
        for (auto* phase : all) {
            if (o.due_seconds < phase->start_s || o.due_seconds >= phase->end_s) continue;
            ++phase->sent;
            if (o.status == 200) {
                ++phase->succeeded;
            } else {
                ++phase->failed;
                if (phase->failures.size() < 5)
                    phase->failures.push_back(std::to_string(o.status) + " " + o.error_code);
            }
        }
    }

    std::printf(
        "\nnetwork faults: gateway + 2 model hosts in namespaces, %.0f req/s (%.0f infer POST, %.0f GET), each fault "
        "%lld s\n",
        rate, kInferPerSecond, kGetsPerSecond, static_cast<long long>(fault_length().count() / 1000));
    std::printf("  %-20s %6s %6s %6s %8s %7s %7s %6s %9s %10s %10s %11s %15s\n", "phase", "sent", "ok", "failed",
                "retries", "opened", "closed", "eject", "shift ms", "recover ms", "other ok", "faulty late",
                "link pkts/drop");
    for (const auto* p : all) {
        const std::string link = std::to_string(p->packets) + "/" + std::to_string(p->dropped);
        std::printf("  %-20s %6zu %6zu %6zu %8.0f %7.0f %7d %6.0f %9s %10s %10.0f %11.0f %15s\n", p->name.c_str(),
                    p->sent, p->succeeded, p->failed, p->retries, p->opened, p->closed, p->ejections,
                    ms_text(p->shift_ms).c_str(), ms_text(p->recover_ms).c_str(), p->other_ok, p->faulty_ok_late,
                    link.c_str());
    }
    std::printf(
        "  (shift: fault -> the gateway stops choosing the instance; recover: heal -> both in rotation and it\n"
        "   serves again; other ok / faulty late: successful attempts on the other instance during the fault,\n"
        "   and on the faulty one in the fault's second half; link: packets on the faulty link, and dropped)\n");
    std::fflush(stdout);

    double opened = 0;
    int closed = 0;
    for (const auto* p : all) {
        EXPECT_EQ(p->failed, 0u) << p->name << ": " << testing::PrintToString(p->failures);
        EXPECT_GT(p->sent, 0u) << p->name;
        opened += p->opened;
        closed += p->closed;
    }
    for (const auto& p : phases) {
        EXPECT_TRUE(p.recover_ms) << p.name << ": " << p.faulty << " not back in rotation " << kRecoveryLimit.count()
                                  << " s after healing";
        EXPECT_GT(p.other_ok, 0) << p.name << ": the other instance took the traffic";
        if (p.name.starts_with("m1 drops")) continue;  // a lossy link still carries traffic: it need not shift
        ASSERT_TRUE(p.shift_ms) << p.name << ": the gateway kept choosing " << p.faulty;
        const double shift_limit_ms = std::chrono::duration<double, std::milli>(kShiftLimit).count();
        EXPECT_LT(*p.shift_ms, shift_limit_ms) << p.name;
        EXPECT_EQ(p.faulty_ok_late, 0) << p.name << ": " << p.faulty << " served through a dead link";
    }
    EXPECT_GE(opened, 1) << "no breaker opened";
    EXPECT_GE(closed, 1) << "no breaker closed again";
    EXPECT_GT(phases.front().retries, 0) << "requests caught on the cut link were retried";
}

}  // namespace
}  // namespace vg::test::netfaults
