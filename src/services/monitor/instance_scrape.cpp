#include "services/monitor/instance_scrape.hpp"

#include <array>
#include <memory>
#include <mutex>

#include "net/http_client.hpp"

namespace vg::services::monitor {

namespace {

constexpr std::array<const char*, 3> kPaths = {"/health", "/ready", "/metrics"};

// The three answers, gathered; the last to arrive finishes the scrape.
struct Pending {
    std::mutex mutex;
    std::array<net::ClientResult, 3> results;
    int remaining = 3;
    std::int64_t started_ms = 0;
    std::function<void(InstanceScrape)> done;
};

std::string describe(const char* path, const net::ClientResult& result) {
    std::string what = std::string(path + 1) + ": ";
    if (!result.ok()) {
        what += std::string(net::to_string(result.error));
        if (!result.error_message.empty()) what += " (" + result.error_message + ")";
        return what;
    }
    return what + "HTTP " + std::to_string(result.response.status);
}

InstanceScrape finish(const Pending& pending) {
    const auto& [health, ready, metrics] = pending.results;
    InstanceScrape out;
    out.result.started_ms = pending.started_ms;
    out.result.up = health.ok() && health.response.status == 200;
    out.result.ready = ready.ok() && ready.response.status == 200;
    if (!out.result.up) {
        out.result.error = describe(kPaths[0], health);
    } else if (!metrics.ok() || metrics.response.status != 200) {
        out.result.error = describe(kPaths[2], metrics);
    }
    if (metrics.ok() && metrics.response.status == 200) {
        try {
            out.metrics = parse_prometheus_text(metrics.response.body);
        } catch (const ExpositionError& e) {
            if (!out.result.error) out.result.error = std::string("metrics: invalid exposition, ") + e.what();
        }
    }
    if (!out.result.error && !ready.ok()) out.result.error = describe(kPaths[1], ready);
    return out;
}

}  // namespace

void scrape_instance(net::HttpClient& client, const std::string& instance, std::chrono::milliseconds timeout,
                     std::int64_t started_ms, std::function<void(InstanceScrape)> done) {
    auto pending = std::make_shared<Pending>();
    pending->started_ms = started_ms;
    pending->done = std::move(done);
    for (std::size_t i = 0; i < kPaths.size(); ++i) {
        net::ClientRequest request;
        request.url = "http://" + instance + kPaths[i];
        request.timeout = timeout;
        request.headers.set("Accept", i == 2 ? "text/plain;version=0.0.4" : "application/json");
        auto arrived = [pending, i](net::ClientResult result) {
            {
                std::lock_guard lock(pending->mutex);
                pending->results[i] = std::move(result);
                if (--pending->remaining > 0) return;
            }
            pending->done(finish(*pending));
        };
        try {
            client.send(std::move(request), arrived);
        } catch (const std::exception& e) {  // an address the client refuses to call
            net::ClientResult failed;
            failed.error = net::ClientErrorKind::kProtocol;
            failed.error_message = e.what();
            arrived(std::move(failed));
        }
    }
}

}  // namespace vg::services::monitor
