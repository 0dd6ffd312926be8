#include "net/server_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "obs/metrics.hpp"

namespace vg::net {

HttpServerMetrics::HttpServerMetrics(prometheus::Registry& registry, const std::string& server)
    : connections_active(prometheus::BuildGauge()
                             .Name("visiongrid_http_connections_active")
                             .Help("Open client connections")
                             .Register(registry)
                             .Add({{"server", server}})),
      connections_accepted(prometheus::BuildCounter()
                               .Name("visiongrid_http_connections_accepted_total")
                               .Help("Client connections accepted")
                               .Register(registry)
                               .Add({{"server", server}})),
      requests_in_flight(prometheus::BuildGauge()
                             .Name("visiongrid_http_requests_in_flight")
                             .Help("Requests being handled now")
                             .Register(registry)
                             .Add({{"server", server}})),
      server_(server),
      requests_(prometheus::BuildCounter()
                    .Name("visiongrid_http_requests_total")
                    .Help("HTTP requests answered, by route, method and status")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("visiongrid_http_request_duration_seconds")
                   .Help("Time from the end of the request headers to the end of the response")
                   .Register(registry)),
      rejected_(prometheus::BuildCounter()
                    .Name("visiongrid_http_rejected_total")
                    .Help("Requests refused or abandoned before reaching a handler, by reason")
                    .Register(registry)) {}

void HttpServerMetrics::record(const std::string& route, const std::string& method, int status, double seconds) {
    RouteSeries series;
    {
        std::lock_guard lock(mutex_);
        // A tuple of references, not of string_views: clang 14 cannot compare the latter with the key.
        auto it = series_.find(std::tie(route, method, status));
        if (it == series_.end()) {
            RouteSeries added{&requests_.Add({{"server", server_}, {"route", route}, {"method", method}, {"status", std::to_string(status)}}),
                              &latency_.Add({{"server", server_}, {"route", route}}, obs::latency_buckets())};
            it = series_.emplace(std::tuple(route, method, status), added).first;
        }
        series = it->second;
    }
    series.requests->Increment();
    series.latency->Observe(seconds);
}

void HttpServerMetrics::rejected(const std::string& reason) {
    prometheus::Counter* counter;
    {
        std::lock_guard lock(mutex_);
        auto it = rejections_.find(reason);
        if (it == rejections_.end()) it = rejections_.emplace(reason, &rejected_.Add({{"server", server_}, {"reason", reason}})).first;
        counter = it->second;
    }
    counter->Increment();
}

}  // namespace vg::net
