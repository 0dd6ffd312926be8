#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace prometheus {
class Registry;
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace vg::services::gateway {

// Requests by gateway route and status, their latency, and the refusals the gateway makes itself
// (authentication, rate limits). Thread-safe.
class GatewayMetrics {
public:
    explicit GatewayMetrics(prometheus::Registry& registry);

    void record(const std::string& route, int status, int attempts, double seconds);
    void auth_failure(const std::string& code);
    void rate_limited(const std::string& scope);  // "ip" or "key"

private:
    prometheus::Counter& counter(prometheus::Family<prometheus::Counter>& family, const std::string& label,
                                 const std::string& value, const std::string& label2 = "", const std::string& value2 = "");

    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Histogram>& latency_;
    prometheus::Family<prometheus::Counter>& retried_;
    prometheus::Family<prometheus::Counter>& auth_failures_;
    prometheus::Family<prometheus::Counter>& rate_limited_;
    std::mutex mutex_;
    // Label lookups in prometheus-cpp lock and hash every label: keep what was found.
    std::map<std::string, prometheus::Counter*, std::less<>> counters_;
    std::map<std::string, prometheus::Histogram*, std::less<>> histograms_;
};

}  // namespace vg::services::gateway
