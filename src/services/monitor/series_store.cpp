#include "services/monitor/series_store.hpp"

#include <stdexcept>

namespace vg::services::monitor {

SeriesStore::SeriesStore(StoreLimits limits) : limits_(limits) {
    if (limits.points_per_series == 0 || limits.max_series == 0)
        throw std::invalid_argument("series store limits must be positive");
}

SeriesStore::Series* SeriesStore::find_or_add(SeriesKey key, bool born_after_first_scrape, std::int64_t time_ms) {
    auto it = series_.find(key);
    if (it != series_.end()) return it->second.get();
    if (series_.size() >= limits_.max_series) {
        ++dropped_;
        return nullptr;
    }
    auto series = std::make_unique<Series>(limits_.points_per_series);
    series->born_after_first_scrape = born_after_first_scrape;
    series->born_ms = time_ms;
    return series_.emplace(std::move(key), std::move(series)).first->second.get();
}

std::size_t SeriesStore::append_scrape(const std::string& instance, const std::vector<Sample>& samples,
                                       std::int64_t time_ms) {
    std::lock_guard lock(mutex_);
    const std::size_t dropped_before = dropped_;
    const bool seen_before = scraped_instances_.contains(instance);
    for (const auto& sample : samples) {
        Series* series = find_or_add(SeriesKey{sample.name, instance, sample.labels}, seen_before, time_ms);
        if (series) series->points.push({time_ms, sample.value});
    }
    scraped_instances_.insert(instance);
    return dropped_ - dropped_before;
}

void SeriesStore::append(const std::string& instance, const std::string& name, double value, std::int64_t time_ms) {
    std::lock_guard lock(mutex_);
    if (Series* series = find_or_add(SeriesKey{name, instance, {}}, false, time_ms))
        series->points.push({time_ms, value});
}

std::vector<SeriesData> SeriesStore::select(std::string_view name, std::string_view instance,
                                            std::int64_t since_ms) const {
    std::vector<SeriesData> out;
    std::lock_guard lock(mutex_);
    for (auto it = series_.lower_bound(SeriesKey{std::string(name), std::string(instance), {}});
         it != series_.end() && it->first.name == name; ++it) {
        if (!instance.empty() && it->first.instance != instance) break;
        const Series& series = *it->second;
        if (series.points.empty() || series.points.newest().time_ms < since_ms) continue;
        SeriesData data{it->first, series.points.since(since_ms), false, series.born_ms};
        // The birth point still held and inside the range: its value counts from zero.
        data.born_during_window =
            series.born_after_first_scrape && !series.points.wrapped() && series.born_ms >= since_ms;
        out.push_back(std::move(data));
    }
    return out;
}

void SeriesStore::drop_instance(const std::string& instance) {
    std::lock_guard lock(mutex_);
    std::erase_if(series_, [&](const auto& entry) { return entry.first.instance == instance; });
    scraped_instances_.erase(instance);
}

std::size_t SeriesStore::expire(std::int64_t before_ms) {
    std::lock_guard lock(mutex_);
    return std::erase_if(series_, [&](const auto& entry) { return entry.second->points.newest().time_ms < before_ms; });
}

std::size_t SeriesStore::series_count() const {
    std::lock_guard lock(mutex_);
    return series_.size();
}

std::size_t SeriesStore::dropped_samples() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace vg::services::monitor
