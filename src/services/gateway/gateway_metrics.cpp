#include "services/gateway/gateway_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "obs/metrics.hpp"

namespace vg::services::gateway {

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("visiongrid_gateway_requests_total")
                    .Help("Requests answered by the gateway, by route and status")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("visiongrid_gateway_request_duration_seconds")
                   .Help("Gateway latency per route, from request to the end of the upstream's answer")
                   .Register(registry)),
      retried_(prometheus::BuildCounter()
                   .Name("visiongrid_gateway_retried_requests_total")
                   .Help("Requests that needed more than one upstream attempt, by route")
                   .Register(registry)),
      auth_failures_(prometheus::BuildCounter()
                         .Name("visiongrid_gateway_auth_failures_total")
                         .Help("Requests refused by authentication or authorisation, by error code")
                         .Register(registry)),
      rate_limited_(prometheus::BuildCounter()
                        .Name("visiongrid_gateway_rate_limited_total")
                        .Help("Requests refused with 429, by limit scope (ip, key)")
                        .Register(registry)) {}

prometheus::Counter& GatewayMetrics::counter(prometheus::Family<prometheus::Counter>& family, const std::string& label,
                                             const std::string& value, const std::string& label2,
                                             const std::string& value2) {
    std::string key;
    key.reserve(value.size() + value2.size() + 4);
    key.append(1, &family == &requests_ ? 'r' : &family == &retried_ ? 't' : &family == &auth_failures_ ? 'a' : 'l');
    key.append(value).append(1, '\n').append(value2);
    std::lock_guard lock(mutex_);
    auto it = counters_.find(key);
    if (it != counters_.end()) return *it->second;
    prometheus::Labels labels{{label, value}};
    if (!label2.empty()) labels.emplace(label2, value2);
    auto* added = &family.Add(labels);
    counters_.emplace(std::move(key), added);
    return *added;
}

void GatewayMetrics::record(const std::string& route, int status, int attempts, double seconds) {
    counter(requests_, "route", route, "status", std::to_string(status)).Increment();
    if (attempts > 1) counter(retried_, "route", route).Increment();
    prometheus::Histogram* histogram;
    {
        std::lock_guard lock(mutex_);
        auto it = histograms_.find(route);
        if (it == histograms_.end()) it = histograms_.emplace(route, &latency_.Add({{"route", route}}, obs::latency_buckets())).first;
        histogram = it->second;
    }
    histogram->Observe(seconds);
}

void GatewayMetrics::auth_failure(const std::string& code) { counter(auth_failures_, "code", code).Increment(); }
void GatewayMetrics::rate_limited(const std::string& scope) { counter(rate_limited_, "scope", scope).Increment(); }

}  // namespace vg::services::gateway
