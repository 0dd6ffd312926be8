#include "cluster/outlier_detector.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vg::cluster {

void validate_outlier_config(const OutlierConfig& config) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("outlier detection: " + what); };
    if (config.consecutive_failures < 1) fail("consecutive_failures must be at least 1");
    if (config.base_ejection_time.count() <= 0) fail("base_ejection_time must be above 0");
    if (config.max_ejection_time < config.base_ejection_time)
        fail("max_ejection_time must not be below base_ejection_time");
    if (!std::isfinite(config.max_ejection_percent) || config.max_ejection_percent < 0 ||
        config.max_ejection_percent > 100)
        fail("max_ejection_percent must be in [0, 100]");
}

namespace {

int max_multiplier(const OutlierConfig& config) {
    const auto base = config.base_ejection_time.count();
    return static_cast<int>((config.max_ejection_time.count() + base - 1) / base);
}

}  // namespace

OutlierDetector::OutlierDetector(OutlierConfig config, const Clock& clock)
    : config_((validate_outlier_config(config), config)), clock_(clock), max_multiplier_(max_multiplier(config_)) {}

bool OutlierDetector::on_failure(const std::string& id, std::size_t pool_size) {
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    Host& host = hosts_[id];
    if (ejected_locked(host, now)) return false;
    host.consecutive_failures = std::min(host.consecutive_failures + 1, config_.consecutive_failures);
    if (host.consecutive_failures < config_.consecutive_failures) return false;
    if (!may_eject_locked(pool_size, now)) {
        ++ejections_overflow_total_;
        return false;
    }
    // The multiplier decays by one per base_ejection_time since the last ejection ended.
    if (host.multiplier > 0 && now > host.ejected_until) {
        const auto periods = (now - host.ejected_until) / config_.base_ejection_time;
        host.multiplier = static_cast<int>(std::max<decltype(periods)>(0, host.multiplier - periods));
    }
    host.multiplier = std::min(host.multiplier + 1, max_multiplier_);
    const auto duration = std::min(config_.base_ejection_time * host.multiplier, config_.max_ejection_time);
    host.ejected_until = now + duration;
    host.consecutive_failures = 0;
    ++ejections_total_;
    return true;
}

void OutlierDetector::on_success(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto it = hosts_.find(id);
    if (it == hosts_.end() || ejected_locked(it->second, clock_.now())) return;
    it->second.consecutive_failures = 0;
}

bool OutlierDetector::is_ejected(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto it = hosts_.find(id);
    return it != hosts_.end() && ejected_locked(it->second, clock_.now());
}

std::size_t OutlierDetector::ejected_count() const {
    std::lock_guard lock(mutex_);
    return ejected_count_locked(clock_.now());
}

std::uint64_t OutlierDetector::ejections_total() const {
    std::lock_guard lock(mutex_);
    return ejections_total_;
}

std::uint64_t OutlierDetector::ejections_overflow_total() const {
    std::lock_guard lock(mutex_);
    return ejections_overflow_total_;
}

void OutlierDetector::forget(const std::string& id) {
    std::lock_guard lock(mutex_);
    hosts_.erase(id);
}

bool OutlierDetector::ejected_locked(const Host& host, std::chrono::steady_clock::time_point now) const {
    return now < host.ejected_until;
}

std::size_t OutlierDetector::ejected_count_locked(std::chrono::steady_clock::time_point now) const {
    return static_cast<std::size_t>(std::count_if(
        hosts_.begin(), hosts_.end(), [&](const auto& entry) { return ejected_locked(entry.second, now); }));
}

bool OutlierDetector::may_eject_locked(std::size_t pool_size, std::chrono::steady_clock::time_point now) const {
    if (pool_size < 2 || config_.max_ejection_percent <= 0) return false;
    // The epsilon stops a rounding error (7 % of 100 computed as 6.999...) from costing an ejection.
    const double share = config_.max_ejection_percent * static_cast<double>(pool_size) / 100.0 + 1e-9;
    const auto limit = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(share)));
    return ejected_count_locked(now) < limit;
}

}  // namespace vg::cluster
