#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cluster/clock.hpp"

namespace vg::cluster {

// Envoy's consecutive-5xx outlier detection settings, same names and defaults save the percentage
// (Envoy's 10 % would never eject anything from the small pools VisionGrid runs).
struct OutlierConfig {
    int consecutive_failures = 5;
    std::chrono::milliseconds base_ejection_time{30000};
    std::chrono::milliseconds max_ejection_time{300000};
    double max_ejection_percent = 50;  // of the pool; 0 turns ejection off
};

// Throws std::invalid_argument naming the offending field.
void validate_outlier_config(const OutlierConfig& config);

// Passive health checking: ejects an instance that keeps failing, as Envoy's consecutive_5xx does.
//
// The caller reports each request's outcome: a failure is a 5xx answer or a connect failure; a
// success anything else. consecutive_failures failures in a row eject the instance for
// base_ejection_time x its ejection multiplier, capped at max_ejection_time. The multiplier is how
// many times it was ejected recently: each ejection raises it by one (it stops growing once the
// ejection time reaches the cap); each base_ejection_time spent un-ejected after an ejection
// lowers it by one. So a flapping instance is kept out longer and longer, and one that recovered
// for good starts from base_ejection_time again. (Envoy decays once per `interval` sweep; without a
// sweep timer, base_ejection_time is the period.)
//
// Ejection ends lazily: once its time has passed is_ejected() is false and the instance is back with
// no failures counted. Failures and successes reported while an instance is ejected are ignored
// (requests that started before the ejection).
//
// max_ejection_percent: an ejection is allowed while fewer than max(1, floor(pct x pool_size / 100))
// instances are ejected, so the limit is never exceeded except that one instance of a pool of two or
// more can always be ejected (Envoy's always_eject_one_host; classic Envoy instead checks the
// share *before* the ejection and so may exceed the limit by one). A pool of one is never ejected:
// with nothing to fail over to, sending to a failing instance is better than sending nowhere. A
// refused ejection is counted (ejections_overflow_total()) and the failure count stays at the
// threshold, so the next failure tries again once there is room.
//
// Thread-safe: every member may be called concurrently.
class OutlierDetector {
public:
    // Throws std::invalid_argument on a bad config. `clock` must outlive the detector.
    OutlierDetector(OutlierConfig config, const Clock& clock);

    OutlierDetector(const OutlierDetector&) = delete;
    OutlierDetector& operator=(const OutlierDetector&) = delete;

    // `pool_size`: instances in the pool now, ejected ones included. True when this failure ejected it.
    bool on_failure(const std::string& id, std::size_t pool_size);
    void on_success(const std::string& id);

    bool is_ejected(const std::string& id) const;
    std::size_t ejected_count() const;
    std::uint64_t ejections_total() const;
    // Ejections refused by max_ejection_percent (Envoy's ejections_overflow).
    std::uint64_t ejections_overflow_total() const;

    // The instance left the pool: its counters, multiplier and any ejection are dropped.
    void forget(const std::string& id);

private:
    struct Host {
        int consecutive_failures = 0;
        int multiplier = 0;
        std::chrono::steady_clock::time_point ejected_until{};  // in the past when not ejected
    };

    bool ejected_locked(const Host& host, std::chrono::steady_clock::time_point now) const;
    std::size_t ejected_count_locked(std::chrono::steady_clock::time_point now) const;
    bool may_eject_locked(std::size_t pool_size, std::chrono::steady_clock::time_point now) const;

    const OutlierConfig config_;
    const Clock& clock_;
    const int max_multiplier_;  // the first multiplier whose ejection time reaches max_ejection_time

    mutable std::mutex mutex_;
    std::unordered_map<std::string, Host> hosts_;
    std::uint64_t ejections_total_ = 0;
    std::uint64_t ejections_overflow_total_ = 0;
};

}  // namespace vg::cluster
