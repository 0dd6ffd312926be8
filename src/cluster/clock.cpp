#include "cluster/clock.hpp"

namespace vg::cluster {

Clock::~Clock() = default;

std::chrono::steady_clock::time_point SteadyClock::now() const {
    return std::chrono::steady_clock::now();
}

FakeClock::FakeClock() : FakeClock(std::chrono::steady_clock::time_point{} + std::chrono::hours(24)) {}

FakeClock::FakeClock(std::chrono::steady_clock::time_point start) : now_(start) {}

std::chrono::steady_clock::time_point FakeClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

void FakeClock::set(std::chrono::steady_clock::time_point t) {
    std::lock_guard lock(mutex_);
    now_ = t;
}

void FakeClock::advance(std::chrono::steady_clock::duration d) {
    std::lock_guard lock(mutex_);
    now_ += d;
}

}  // namespace vg::cluster
