#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "cluster/clock.hpp"

namespace vg::cluster {

// Mirrors Resilience4j's CircuitBreakerConfig (count-based window) so the original system's settings
// carry over unchanged. Rates are percentages in (0, 100].
struct CircuitBreakerConfig {
    double failure_rate_threshold = 50;
    double slow_call_rate_threshold = 100;
    std::chrono::milliseconds slow_call_duration{60000};  // a call strictly longer than this is slow
    std::size_t sliding_window_size = 2;                  // last N outcomes
    // Rates are undefined (and never trip the breaker) until this many outcomes are buffered; capped at
    // sliding_window_size, as Resilience4j does.
    std::size_t minimum_number_of_calls = 2;
    std::chrono::milliseconds wait_duration_in_open_state{1000};
    std::size_t permitted_calls_in_half_open = 1;
};

// Throws std::invalid_argument naming the offending field.
void validate_circuit_breaker_config(const CircuitBreakerConfig& config);

enum class BreakerState { kClosed, kOpen, kHalfOpen };

const char* to_string(BreakerState state);

// Resilience4j's circuit breaker state machine with a count-based sliding window.
//
//   CLOSED:    every call permitted; each outcome enters the window. Once minimum_number_of_calls
//              outcomes are buffered, failure rate >= threshold or slow rate >= threshold opens it.
//   OPEN:      no call permitted until wait_duration_in_open_state has passed; the first
//              try_acquire() after that moves it to HALF_OPEN (lazily: state() keeps saying kOpen
//              until someone asks for a permit). Outcomes reported while OPEN are ignored.
//   HALF_OPEN: permitted_calls_in_half_open permits in total; once that many outcomes are in, their
//              rates decide: over a threshold -> OPEN again, else -> CLOSED with an empty window.
//
// Usage: if (!cb.try_acquire()) fail fast; otherwise exactly one of on_success / on_error / release.
// Outcomes are attributed to whatever state the breaker is in when they arrive (as in Resilience4j),
// so a slow call permitted while CLOSED that ends during HALF_OPEN counts as a probe.
//
// Thread-safe: every member may be called concurrently. State-change listeners run outside the
// internal lock, in transition order, on whichever thread is delivering (possibly not the one that
// caused the transition); they may call back into the breaker. A listener that throws stops
// delivery of that transition; the exception reaches the caller of the method that delivered it.
class CircuitBreaker {
public:
    using Listener = std::function<void(BreakerState from, BreakerState to)>;

    struct Snapshot {
        BreakerState state = BreakerState::kClosed;
        std::optional<double> failure_rate;     // percent; empty until enough calls are buffered
        std::optional<double> slow_call_rate;   // percent; empty until enough calls are buffered
        std::size_t buffered_calls = 0;         // outcomes in the current window
        std::size_t failed_calls = 0;           // of buffered_calls
        std::size_t slow_calls = 0;             // of buffered_calls (failed or not)
        std::uint64_t not_permitted_calls = 0;  // cumulative since construction, for a counter metric
    };

    // Throws std::invalid_argument on a bad config. `clock` must outlive the breaker.
    CircuitBreaker(CircuitBreakerConfig config, const Clock& clock);

    CircuitBreaker(const CircuitBreaker&) = delete;
    CircuitBreaker& operator=(const CircuitBreaker&) = delete;

    bool try_acquire();
    void on_success(std::chrono::nanoseconds duration);
    void on_error(std::chrono::nanoseconds duration);
    // A permitted call that ended without an outcome (cancelled); gives a half-open permit back.
    void release();

    BreakerState state() const;
    Snapshot snapshot() const;

    // Adds a listener; all listeners are called on every transition.
    void on_state_change(Listener listener);

private:
    // Ring buffer of the last `capacity` outcomes with running counts, so rates are O(1).
    class Window {
    public:
        explicit Window(std::size_t capacity);
        void record(bool failed, bool slow);
        std::size_t size() const { return size_; }
        std::size_t failed() const { return failed_; }
        std::size_t slow() const { return slow_; }

    private:
        struct Outcome {
            bool failed = false;
            bool slow = false;
        };
        std::vector<Outcome> ring_;
        std::size_t next_ = 0;
        std::size_t size_ = 0;
        std::size_t failed_ = 0;
        std::size_t slow_ = 0;
    };

    void record(bool failed, std::chrono::nanoseconds duration);
    // Caller holds mutex_. Queues the transition for delivery to listeners.
    void transition_locked(BreakerState to);
    std::size_t minimum_calls_locked() const;
    bool thresholds_exceeded_locked() const;
    // Caller must not hold mutex_.
    void deliver_transitions();

    const CircuitBreakerConfig config_;
    const Clock& clock_;

    mutable std::mutex mutex_;
    BreakerState state_ = BreakerState::kClosed;
    Window window_;
    std::chrono::steady_clock::time_point open_until_{};
    std::size_t half_open_permits_left_ = 0;
    std::uint64_t not_permitted_calls_ = 0;
    std::vector<Listener> listeners_;
    std::deque<std::pair<BreakerState, BreakerState>> pending_transitions_;
    bool delivering_ = false;
};

}  // namespace vg::cluster
