#pragma once

#include <string>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace vg::cluster {

enum class BreakerState;

// The series of one instance of one upstream, created once when the instance joins the pool so the
// request path never looks labels up.
struct InstanceSeries {
    prometheus::Counter& attempts_ok;
    prometheus::Counter& attempts_failed;
    prometheus::Gauge& outstanding;
    prometheus::Gauge& healthy;         // active health check: 1 healthy, 0 not
    prometheus::Gauge& breaker_state;   // 0 closed, 1 open, 2 half-open
    prometheus::Counter& breaker_opened;
    prometheus::Counter& ejections;
};

// Metric families shared by every upstream of a process (names visiongrid_upstream_*). Thread-safe
// (prometheus-cpp families are).
class UpstreamMetrics {
public:
    explicit UpstreamMetrics(prometheus::Registry& registry);

    InstanceSeries instance(const std::string& upstream, const std::string& instance);
    prometheus::Counter& retries(const std::string& upstream);
    prometheus::Counter& budget_exhausted(const std::string& upstream);
    prometheus::Counter& no_instance(const std::string& upstream);
    prometheus::Histogram& latency(const std::string& upstream);

    static double breaker_value(BreakerState state);

private:
    prometheus::Family<prometheus::Counter>& attempts_;
    prometheus::Family<prometheus::Gauge>& outstanding_;
    prometheus::Family<prometheus::Gauge>& healthy_;
    prometheus::Family<prometheus::Gauge>& breaker_state_;
    prometheus::Family<prometheus::Counter>& breaker_opened_;
    prometheus::Family<prometheus::Counter>& ejections_;
    prometheus::Family<prometheus::Counter>& retries_;
    prometheus::Family<prometheus::Counter>& budget_exhausted_;
    prometheus::Family<prometheus::Counter>& no_instance_;
    prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace vg::cluster
