#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cluster/clock.hpp"

namespace vg::services::monitor {

// The monitor's time. A steady clock (cluster::Clock, so tests can move it by hand) drives intervals
// and `for:` durations; wall time, stamped on points and shown to people, is derived from it through
// one anchor taken at construction. Drift of the system clock after start is not followed, which keeps
// series and alert times consistent with each other. Thread-safe.
class MonitorClock {
public:
    explicit MonitorClock(const cluster::Clock& steady);
    MonitorClock(const cluster::Clock& steady, std::int64_t anchor_unix_ms);

    std::chrono::steady_clock::time_point now() const { return steady_.now(); }
    std::int64_t unix_ms() const { return unix_ms(now()); }
    std::int64_t unix_ms(std::chrono::steady_clock::time_point t) const;

private:
    const cluster::Clock& steady_;
    std::chrono::steady_clock::time_point anchor_steady_;
    std::int64_t anchor_unix_ms_;
};

// RFC 3339 in UTC with milliseconds: "2026-11-24T10:00:00.250Z".
std::string iso8601(std::int64_t unix_ms);

}  // namespace vg::services::monitor
