#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/monitor/series_store.hpp"

namespace vg::services::monitor {

// The key figures of one instance, derived from its own counters, gauges and histograms.
enum class Figure {
    kRequestsPerSecond,  // rate of visiongrid_http_requests_total (probes and scrapes left out)
    kErrorRatio,         // share of those answered 5xx
    kP50Ms,              // latency quantiles of visiongrid_http_request_duration_seconds, in ms
    kP95Ms,
    kP99Ms,
    kQueueDepth,          // visiongrid_model_queue_depth, newest value
    kActiveSlots,         // visiongrid_model_active_slots, newest value
    kTokensPerSecond,     // rate of visiongrid_model_decode_tokens_total
    kImageCacheHitRatio,  // image-embedding cache hits / (hits + misses)
};

inline constexpr std::array<Figure, 9> kAllFigures = {Figure::kRequestsPerSecond,
                                                      Figure::kErrorRatio,
                                                      Figure::kP50Ms,
                                                      Figure::kP95Ms,
                                                      Figure::kP99Ms,
                                                      Figure::kQueueDepth,
                                                      Figure::kActiveSlots,
                                                      Figure::kTokensPerSecond,
                                                      Figure::kImageCacheHitRatio};

// "requests_per_second", "error_ratio", "p50_ms", …: the names the API and the console use.
std::string_view figure_name(Figure figure);
std::optional<Figure> figure_from_name(std::string_view name);

// How much a counter grew over the points given: resets (a restarted process) count from zero, and a
// series born in the window counts its first value. Points oldest first.
double counter_increase(const SeriesData& series);

// Prometheus' histogram_quantile: `buckets` are (upper bound, cumulative count), +Inf included.
// Linear interpolation inside the bucket the rank falls in; the +Inf bucket answers with the highest
// finite bound. Nullopt without observations or without a +Inf bucket.
std::optional<double> histogram_quantile(double q, std::vector<std::pair<double, double>> buckets);

// Computes figures from a SeriesStore over a window ending at `now_ms`. Thread-safe (reads only).
class FigureCalculator {
public:
    explicit FigureCalculator(const SeriesStore& store) : store_(store) {}

    // Nullopt when the data is not there: no such metric, fewer than two scrapes in the window, or
    // no traffic for a ratio or a latency.
    std::optional<double> figure(Figure figure, const std::string& instance, std::int64_t now_ms,
                                 std::chrono::milliseconds window) const;

    // The worst circuit-breaker state any scraped caller (gateway, business) holds for `instance`:
    // "open", "half_open" or "closed"; nullopt when none reported it within `window`.
    std::optional<std::string> breaker_state(const std::string& instance, std::int64_t now_ms,
                                             std::chrono::milliseconds window) const;

private:
    std::optional<double> rate(const std::string& metric, const std::string& instance, std::int64_t since_ms) const;
    std::optional<double> newest_sum(const std::string& metric, const std::string& instance,
                                     std::int64_t since_ms) const;
    std::optional<double> error_ratio(const std::string& instance, std::int64_t since_ms) const;
    std::optional<double> latency_quantile(double q, const std::string& instance, std::int64_t since_ms) const;
    std::optional<double> cache_hit_ratio(const std::string& instance, std::int64_t since_ms) const;

    const SeriesStore& store_;
};

}  // namespace vg::services::monitor
