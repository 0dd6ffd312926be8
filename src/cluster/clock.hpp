#pragma once

#include <chrono>
#include <mutex>

namespace vg::cluster {

// The seam through which time-driven primitives (circuit breaker, retry budget) read time, so tests
// and simulations can move time by hand instead of sleeping. Implementations must be thread-safe.
class Clock {
public:
    virtual ~Clock();
    virtual std::chrono::steady_clock::time_point now() const = 0;
};

// Real monotonic time. Thread-safe (stateless).
class SteadyClock final : public Clock {
public:
    std::chrono::steady_clock::time_point now() const override;
};

// Time that moves only when told to. Starts at an arbitrary fixed point rather than the epoch so
// that code subtracting durations from now() never underflows. Thread-safe.
class FakeClock final : public Clock {
public:
    FakeClock();
    explicit FakeClock(std::chrono::steady_clock::time_point start);

    std::chrono::steady_clock::time_point now() const override;
    void set(std::chrono::steady_clock::time_point t);
    // Negative durations are accepted, though no real steady clock goes backwards.
    void advance(std::chrono::steady_clock::duration d);

private:
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point now_;
};

}  // namespace vg::cluster
