#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "services/monitor/point_ring.hpp"
#include "services/monitor/prometheus_text.hpp"

namespace vg::services::monitor {

// A series: metric name, its labels, and the instance it was scraped from (kept apart from the labels:
// an exposition may carry an `instance` label of its own, e.g. the gateway's per-upstream-instance series).
struct SeriesKey {
    std::string name;
    std::string instance;
    Labels labels;
    auto operator<=>(const SeriesKey&) const = default;
};

// A copy of a series' points, as queries return them.
struct SeriesData {
    SeriesKey key;
    std::vector<Point> points;
    // The series was absent from an earlier scrape of its instance, so a counter started from 0 just
    // before its first point and that point's value is all increase. False for series present at the
    // instance's first scrape, whose earlier history is unknown.
    bool born_during_window = false;
    std::int64_t born_ms = 0;
};

struct StoreLimits {
    std::size_t points_per_series = 720;  // retention / scrape interval: 1 h at 5 s
    std::size_t max_series = 10'000;      // memory is at most max_series × points_per_series × 16 bytes
};

// Recent history of every scraped series in bounded ring buffers. Thread-safe: the scraper writes
// while API handlers and rule evaluation read.
class SeriesStore {
public:
    explicit SeriesStore(StoreLimits limits);

    // Records one scrape of `instance`, every sample at `time_ms` (timestamps in the exposition are
    // ignored: the scrape time is what orders an instance's points). Samples that would create a
    // series beyond max_series are dropped; returns how many were.
    std::size_t append_scrape(const std::string& instance, const std::vector<Sample>& samples, std::int64_t time_ms);
    // One point of a series the monitor derives itself (figures); it has no labels.
    void append(const std::string& instance, const std::string& name, double value, std::int64_t time_ms);

    // Series named `name` of `instance` (every instance when empty), with their points at or after
    // `since_ms`; series with no such point are left out.
    std::vector<SeriesData> select(std::string_view name, std::string_view instance, std::int64_t since_ms) const;

    // Forgets an instance that left the target list.
    void drop_instance(const std::string& instance);
    // Forgets series whose newest point is older than `before_ms` (a label set no longer exposed).
    std::size_t expire(std::int64_t before_ms);

    std::size_t series_count() const;
    std::size_t dropped_samples() const;  // over the store's life, for its own metric

private:
    struct Series {
        explicit Series(std::size_t capacity) : points(capacity) {}
        PointRing points;
        bool born_after_first_scrape = false;
        std::int64_t born_ms = 0;
    };
    Series* find_or_add(SeriesKey key, bool born_after_first_scrape, std::int64_t time_ms);

    const StoreLimits limits_;
    mutable std::mutex mutex_;
    std::map<SeriesKey, std::unique_ptr<Series>> series_;  // ordered by name, then instance: selects are range scans
    std::set<std::string> scraped_instances_;
    std::size_t dropped_ = 0;
};

}  // namespace vg::services::monitor
