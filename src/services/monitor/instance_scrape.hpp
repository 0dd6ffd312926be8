#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "services/monitor/instance_registry.hpp"
#include "services/monitor/prometheus_text.hpp"

namespace vg::net {
class HttpClient;
}

namespace vg::services::monitor {

struct InstanceScrape {
    ScrapeResult result;
    std::optional<Exposition> metrics;  // when /metrics answered 200 with a valid exposition
};

// GETs /health, /ready and /metrics of `instance` ("host:port") at once, each within `timeout`, and
// calls `done` once (on the client's io thread) when all three have answered or failed. Up means
// /health answered 200, ready that /ready did; `error` names the first problem met (a refused
// connection, a timeout, a non-200 from /health or /metrics, an exposition that does not parse).
void scrape_instance(net::HttpClient& client, const std::string& instance, std::chrono::milliseconds timeout,
                     std::int64_t started_ms, std::function<void(InstanceScrape)> done);

}  // namespace vg::services::monitor
