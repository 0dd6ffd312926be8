#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <map>
#include <tuple>
#include <unordered_map>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace vg::net {

// Request counters and latency histograms by route and status for one HTTP server, plus the
// rejections that never reach a route (oversized headers, stalled bodies, …). Thread-safe.
class HttpServerMetrics {
public:
    HttpServerMetrics(prometheus::Registry& registry, const std::string& server);

    void record(const std::string& route, const std::string& method, int status, double seconds);
    // reason: header_too_large, body_too_large, header_timeout, body_timeout, malformed, client_disconnect, …
    void rejected(const std::string& reason);

    prometheus::Gauge& connections_active;
    prometheus::Counter& connections_accepted;
    prometheus::Gauge& requests_in_flight;

private:
    struct RouteSeries {
        prometheus::Counter* requests;
        prometheus::Histogram* latency;
    };

    std::string server_;
    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Histogram>& latency_;
    prometheus::Family<prometheus::Counter>& rejected_;
    std::mutex mutex_;
    // Label lookups in prometheus-cpp take a lock and hash all labels: cache the series per key.
    std::map<std::tuple<std::string, std::string, int>, RouteSeries, std::less<>> series_;
    std::unordered_map<std::string, prometheus::Counter*> rejections_;
};

}  // namespace vg::net
