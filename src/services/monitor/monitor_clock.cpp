#include "services/monitor/monitor_clock.hpp"

#include <cstdio>
#include <ctime>

namespace vg::services::monitor {

namespace {
std::int64_t system_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
}  // namespace

MonitorClock::MonitorClock(const cluster::Clock& steady) : MonitorClock(steady, system_unix_ms()) {}

MonitorClock::MonitorClock(const cluster::Clock& steady, std::int64_t anchor_unix_ms)
    : steady_(steady), anchor_steady_(steady.now()), anchor_unix_ms_(anchor_unix_ms) {}

std::int64_t MonitorClock::unix_ms(std::chrono::steady_clock::time_point t) const {
    return anchor_unix_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(t - anchor_steady_).count();
}

std::string iso8601(std::int64_t unix_ms) {
    std::int64_t seconds = unix_ms / 1000;
    int millis = static_cast<int>(unix_ms % 1000);
    if (millis < 0) {
        millis += 1000;
        --seconds;
    }
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
    return buffer;
}

}  // namespace vg::services::monitor
