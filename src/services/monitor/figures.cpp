#include "services/monitor/figures.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace vg::services::monitor {

namespace {

constexpr const char* kRequests = "visiongrid_http_requests_total";
constexpr const char* kLatencyBuckets = "visiongrid_http_request_duration_seconds_bucket";

using SeriesFilter = std::function<bool(const SeriesData&)>;

// The monitor's own scrapes and the orchestrator's probes would otherwise be most of an idle
// instance's traffic (and a loading model's 503 on /ready would count as errors).
bool is_served_traffic(const SeriesData& series) {
    const std::string* route = find_label(series.key.labels, "route");
    return !route || (*route != "/health" && *route != "/ready" && *route != "/metrics");
}

bool is_server_error(const SeriesData& series) {
    const std::string* status = find_label(series.key.labels, "status");
    return status && status->size() == 3 && status->front() == '5';
}

// The time the points of `series` cover together: zero with fewer than two scrapes.
std::int64_t covered_ms(const std::vector<SeriesData>& series) {
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (const auto& s : series) {
        if (s.points.empty()) continue;
        first = std::min(first, s.points.front().time_ms);
        last = std::max(last, s.points.back().time_ms);
    }
    return last > first ? last - first : 0;
}

double sum_increase(const std::vector<SeriesData>& series, const SeriesFilter& keep) {
    double total = 0;
    for (const auto& s : series) {
        if (keep(s)) total += counter_increase(s);
    }
    return total;
}

std::optional<double> parse_bound(const std::string& text) {
    if (text == "+Inf" || text == "Inf" || text == "inf") return std::numeric_limits<double>::infinity();
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string_view figure_name(Figure figure) {
    switch (figure) {
        case Figure::kRequestsPerSecond: return "requests_per_second";
        case Figure::kErrorRatio: return "error_ratio";
        case Figure::kP50Ms: return "p50_ms";
        case Figure::kP95Ms: return "p95_ms";
        case Figure::kP99Ms: return "p99_ms";
        case Figure::kQueueDepth: return "queue_depth";
        case Figure::kActiveSlots: return "active_slots";
        case Figure::kTokensPerSecond: return "tokens_per_second";
        case Figure::kImageCacheHitRatio: return "image_cache_hit_ratio";
    }
    return "";
}

std::optional<Figure> figure_from_name(std::string_view name) {
    for (Figure figure : kAllFigures) {
        if (figure_name(figure) == name) return figure;
    }
    return std::nullopt;
}

double counter_increase(const SeriesData& series) {
    const auto& points = series.points;
    double increase = 0;
    if (!points.empty() && series.born_during_window && points.front().time_ms == series.born_ms &&
        std::isfinite(points.front().value)) {
        increase = points.front().value;
    }
    for (std::size_t i = 1; i < points.size(); ++i) {
        const double before = points[i - 1].value;
        const double now = points[i].value;
        if (!std::isfinite(before) || !std::isfinite(now)) continue;
        increase += now >= before ? now - before : now;  // a drop is a reset: the counter restarted at 0
    }
    return increase;
}

std::optional<double> histogram_quantile(double q, std::vector<std::pair<double, double>> buckets) {
    if (buckets.empty() || !(q >= 0 && q <= 1)) return std::nullopt;
    std::sort(buckets.begin(), buckets.end());
    if (!std::isinf(buckets.back().first)) return std::nullopt;
    // Counts summed over several series (or a scrape caught mid-update) may dip: make them cumulative.
    for (std::size_t i = 1; i < buckets.size(); ++i)
        buckets[i].second = std::max(buckets[i].second, buckets[i - 1].second);
    const double total = buckets.back().second;
    if (total <= 0) return std::nullopt;
    const double rank = q * total;
    std::size_t i = 0;
    while (i < buckets.size() && buckets[i].second < rank) ++i;
    if (i >= buckets.size() - 1)
        return buckets.size() > 1 ? std::optional<double>(buckets[buckets.size() - 2].first) : std::nullopt;
    const double upper = buckets[i].first;
    const double lower = i == 0 ? std::min(0.0, upper) : buckets[i - 1].first;
    const double below = i == 0 ? 0 : buckets[i - 1].second;
    const double in_bucket = buckets[i].second - below;
    if (in_bucket <= 0) return upper;
    return lower + (upper - lower) * (rank - below) / in_bucket;
}

std::optional<double> FigureCalculator::figure(Figure figure, const std::string& instance, std::int64_t now_ms,
                                               std::chrono::milliseconds window) const {
    const std::int64_t since = now_ms - window.count();
    switch (figure) {
        case Figure::kRequestsPerSecond: return rate(kRequests, instance, since);
        case Figure::kErrorRatio: return error_ratio(instance, since);
        case Figure::kP50Ms: return latency_quantile(0.50, instance, since);
        case Figure::kP95Ms: return latency_quantile(0.95, instance, since);
        case Figure::kP99Ms: return latency_quantile(0.99, instance, since);
        case Figure::kQueueDepth: return newest_sum("visiongrid_model_queue_depth", instance, since);
        case Figure::kActiveSlots: return newest_sum("visiongrid_model_active_slots", instance, since);
        case Figure::kTokensPerSecond: return rate("visiongrid_model_decode_tokens_total", instance, since);
        case Figure::kImageCacheHitRatio: return cache_hit_ratio(instance, since);
    }
    return std::nullopt;
}

std::optional<double> FigureCalculator::rate(const std::string& metric, const std::string& instance,
                                             std::int64_t since_ms) const {
    const auto series = store_.select(metric, instance, since_ms);
    const std::int64_t covered = covered_ms(series);
    if (covered == 0) return std::nullopt;
    return sum_increase(series, is_served_traffic) / (static_cast<double>(covered) / 1000.0);
}

std::optional<double> FigureCalculator::newest_sum(const std::string& metric, const std::string& instance,
                                                   std::int64_t since_ms) const {
    const auto series = store_.select(metric, instance, since_ms);
    if (series.empty()) return std::nullopt;
    std::int64_t newest = std::numeric_limits<std::int64_t>::min();
    for (const auto& s : series) newest = std::max(newest, s.points.back().time_ms);
    double sum = 0;
    for (const auto& s : series) {
        if (s.points.back().time_ms == newest) sum += s.points.back().value;  // label sets gone since are left out
    }
    return sum;
}

std::optional<double> FigureCalculator::error_ratio(const std::string& instance, std::int64_t since_ms) const {
    const auto series = store_.select(kRequests, instance, since_ms);
    const double all = sum_increase(series, is_served_traffic);
    if (covered_ms(series) == 0 || all <= 0) return std::nullopt;
    return sum_increase(series, [](const SeriesData& s) { return is_served_traffic(s) && is_server_error(s); }) / all;
}

std::optional<double> FigureCalculator::latency_quantile(double q, const std::string& instance,
                                                         std::int64_t since_ms) const {
    const auto series = store_.select(kLatencyBuckets, instance, since_ms);
    if (covered_ms(series) == 0) return std::nullopt;
    std::map<double, double> by_bound;
    for (const auto& s : series) {
        const std::string* le = find_label(s.key.labels, "le");
        if (!le || !is_served_traffic(s)) continue;
        if (auto bound = parse_bound(*le)) by_bound[*bound] += counter_increase(s);
    }
    auto seconds = histogram_quantile(q, {by_bound.begin(), by_bound.end()});
    if (!seconds) return std::nullopt;
    return *seconds * 1000.0;
}

std::optional<double> FigureCalculator::cache_hit_ratio(const std::string& instance, std::int64_t since_ms) const {
    const auto hits = store_.select("visiongrid_model_image_cache_hits_total", instance, since_ms);
    const auto misses = store_.select("visiongrid_model_image_cache_misses_total", instance, since_ms);
    const auto all = [](const SeriesData&) { return true; };
    const double hit = sum_increase(hits, all);
    const double lookups = hit + sum_increase(misses, all);
    if (lookups <= 0) return std::nullopt;
    return hit / lookups;
}

std::optional<std::string> FigureCalculator::breaker_state(const std::string& instance, std::int64_t now_ms,
                                                           std::chrono::milliseconds window) const {
    // Severity order: open, then half-open, then closed. Gauge values: 0 closed, 1 open, 2 half-open.
    int worst = -1;
    for (const auto& s : store_.select("visiongrid_upstream_breaker_state", "", now_ms - window.count())) {
        const std::string* target = find_label(s.key.labels, "instance");
        if (!target || *target != instance) continue;
        const double value = s.points.back().value;
        const int rank = value == 1 ? 2 : value == 2 ? 1 : 0;
        worst = std::max(worst, rank);
    }
    if (worst < 0) return std::nullopt;
    return std::string(worst == 2 ? "open" : worst == 1 ? "half_open" : "closed");
}

}  // namespace vg::services::monitor
