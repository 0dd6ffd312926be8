#include "cluster/upstream_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "cluster/circuit_breaker.hpp"
#include "obs/metrics.hpp"

namespace vg::cluster {

namespace {
prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& registry, const char* name, const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}
prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& registry, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}
}  // namespace

UpstreamMetrics::UpstreamMetrics(prometheus::Registry& registry)
    : attempts_(counter(registry, "visiongrid_upstream_attempts_total",
                        "Attempts sent to an upstream instance, by outcome (ok: any answer below 500)")),
      outstanding_(gauge(registry, "visiongrid_upstream_outstanding_requests", "Attempts in flight per instance")),
      healthy_(gauge(registry, "visiongrid_upstream_instance_healthy", "Active health check verdict (1 healthy)")),
      breaker_state_(gauge(registry, "visiongrid_upstream_breaker_state",
                           "Circuit breaker state per instance: 0 closed, 1 open, 2 half-open")),
      breaker_opened_(counter(registry, "visiongrid_upstream_breaker_opened_total", "Times the breaker opened")),
      ejections_(counter(registry, "visiongrid_upstream_ejections_total", "Outlier ejections per instance")),
      retries_(counter(registry, "visiongrid_upstream_retries_total", "Retry attempts per upstream")),
      budget_exhausted_(counter(registry, "visiongrid_upstream_retry_budget_exhausted_total",
                                "Retries refused because the retry budget was spent")),
      no_instance_(counter(registry, "visiongrid_upstream_no_instance_total",
                           "Requests that found no instance able to take them")),
      latency_(prometheus::BuildHistogram()
                   .Name("visiongrid_upstream_request_duration_seconds")
                   .Help("Whole upstream call, retries included")
                   .Register(registry)) {}

InstanceSeries UpstreamMetrics::instance(const std::string& upstream, const std::string& instance) {
    const prometheus::Labels labels{{"upstream", upstream}, {"instance", instance}};
    auto with = [&](const char* key, const char* value) {
        auto l = labels;
        l.emplace(key, value);
        return l;
    };
    return InstanceSeries{attempts_.Add(with("outcome", "ok")),       attempts_.Add(with("outcome", "failed")),
                          outstanding_.Add(labels),                    healthy_.Add(labels),
                          breaker_state_.Add(labels),                  breaker_opened_.Add(labels),
                          ejections_.Add(labels)};
}

prometheus::Counter& UpstreamMetrics::retries(const std::string& upstream) { return retries_.Add({{"upstream", upstream}}); }
prometheus::Counter& UpstreamMetrics::budget_exhausted(const std::string& upstream) {
    return budget_exhausted_.Add({{"upstream", upstream}});
}
prometheus::Counter& UpstreamMetrics::no_instance(const std::string& upstream) {
    return no_instance_.Add({{"upstream", upstream}});
}
prometheus::Histogram& UpstreamMetrics::latency(const std::string& upstream) {
    return latency_.Add({{"upstream", upstream}}, obs::latency_buckets());
}

double UpstreamMetrics::breaker_value(BreakerState state) {
    switch (state) {
        case BreakerState::kClosed: return 0;
        case BreakerState::kOpen: return 1;
        case BreakerState::kHalfOpen: return 2;
    }
    return 0;
}

}  // namespace vg::cluster
