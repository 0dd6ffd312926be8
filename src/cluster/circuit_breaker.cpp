#include "cluster/circuit_breaker.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace vg::cluster {

namespace {

bool valid_rate(double percent) {
    return std::isfinite(percent) && percent > 0 && percent <= 100;
}

double percent_of(std::size_t part, std::size_t whole) {
    return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

void validate_circuit_breaker_config(const CircuitBreakerConfig& config) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("circuit breaker: " + what); };
    if (!valid_rate(config.failure_rate_threshold)) fail("failure_rate_threshold must be in (0, 100]");
    if (!valid_rate(config.slow_call_rate_threshold)) fail("slow_call_rate_threshold must be in (0, 100]");
    if (config.slow_call_duration.count() < 0) fail("slow_call_duration must not be negative");
    if (config.sliding_window_size == 0) fail("sliding_window_size must be at least 1");
    if (config.minimum_number_of_calls == 0) fail("minimum_number_of_calls must be at least 1");
    if (config.wait_duration_in_open_state.count() < 0) fail("wait_duration_in_open_state must not be negative");
    if (config.permitted_calls_in_half_open == 0) fail("permitted_calls_in_half_open must be at least 1");
}

const char* to_string(BreakerState state) {
    switch (state) {
        case BreakerState::kClosed: return "closed";
        case BreakerState::kOpen: return "open";
        case BreakerState::kHalfOpen: return "half_open";
    }
    return "unknown";
}

CircuitBreaker::Window::Window(std::size_t capacity) : ring_(capacity) {}

void CircuitBreaker::Window::record(bool failed, bool slow) {
    Outcome& slot = ring_[next_];
    if (size_ == ring_.size()) {  // full: the oldest outcome slides out
        failed_ -= slot.failed ? 1 : 0;
        slow_ -= slot.slow ? 1 : 0;
    } else {
        ++size_;
    }
    slot = Outcome{failed, slow};
    failed_ += failed ? 1 : 0;
    slow_ += slow ? 1 : 0;
    next_ = (next_ + 1) % ring_.size();
}

CircuitBreaker::CircuitBreaker(CircuitBreakerConfig config, const Clock& clock)
    : config_((validate_circuit_breaker_config(config), config)), clock_(clock), window_(config_.sliding_window_size) {}

bool CircuitBreaker::try_acquire() {
    bool permitted = false;
    {
        std::lock_guard lock(mutex_);
        if (state_ == BreakerState::kOpen && clock_.now() >= open_until_) transition_locked(BreakerState::kHalfOpen);
        switch (state_) {
            case BreakerState::kClosed: permitted = true; break;
            case BreakerState::kOpen: permitted = false; break;
            case BreakerState::kHalfOpen:
                permitted = half_open_permits_left_ > 0;
                if (permitted) --half_open_permits_left_;
                break;
        }
        if (!permitted) ++not_permitted_calls_;
    }
    deliver_transitions();
    return permitted;
}

void CircuitBreaker::on_success(std::chrono::nanoseconds duration) {
    record(false, duration);
}

void CircuitBreaker::on_error(std::chrono::nanoseconds duration) {
    record(true, duration);
}

void CircuitBreaker::release() {
    std::lock_guard lock(mutex_);
    // Only half-open permits are scarce; never hand out more than the configured number.
    if (state_ == BreakerState::kHalfOpen &&
        half_open_permits_left_ + window_.size() < config_.permitted_calls_in_half_open)
        ++half_open_permits_left_;
}

BreakerState CircuitBreaker::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

CircuitBreaker::Snapshot CircuitBreaker::snapshot() const {
    std::lock_guard lock(mutex_);
    Snapshot s;
    s.state = state_;
    s.buffered_calls = window_.size();
    s.failed_calls = window_.failed();
    s.slow_calls = window_.slow();
    s.not_permitted_calls = not_permitted_calls_;
    if (window_.size() > 0 && window_.size() >= minimum_calls_locked()) {
        s.failure_rate = percent_of(window_.failed(), window_.size());
        s.slow_call_rate = percent_of(window_.slow(), window_.size());
    }
    return s;
}

void CircuitBreaker::on_state_change(Listener listener) {
    std::lock_guard lock(mutex_);
    listeners_.push_back(std::move(listener));
}

void CircuitBreaker::record(bool failed, std::chrono::nanoseconds duration) {
    const bool slow = duration > config_.slow_call_duration;
    {
        std::lock_guard lock(mutex_);
        switch (state_) {
            case BreakerState::kOpen: break;  // a straggler from before it opened; the window is frozen
            case BreakerState::kClosed:
                window_.record(failed, slow);
                if (thresholds_exceeded_locked()) transition_locked(BreakerState::kOpen);
                break;
            case BreakerState::kHalfOpen:
                window_.record(failed, slow);
                if (window_.size() >= config_.permitted_calls_in_half_open)
                    transition_locked(thresholds_exceeded_locked() ? BreakerState::kOpen : BreakerState::kClosed);
                break;
        }
    }
    deliver_transitions();
}

std::size_t CircuitBreaker::minimum_calls_locked() const {
    if (state_ == BreakerState::kHalfOpen) return config_.permitted_calls_in_half_open;
    return std::min(config_.minimum_number_of_calls, config_.sliding_window_size);
}

bool CircuitBreaker::thresholds_exceeded_locked() const {
    if (window_.size() == 0 || window_.size() < minimum_calls_locked()) return false;
    return percent_of(window_.failed(), window_.size()) >= config_.failure_rate_threshold ||
           percent_of(window_.slow(), window_.size()) >= config_.slow_call_rate_threshold;
}

void CircuitBreaker::transition_locked(BreakerState to) {
    const BreakerState from = state_;
    if (from == to) return;
    state_ = to;
    switch (to) {
        case BreakerState::kOpen:
            // Keep the window that tripped it so snapshot() shows why it is open.
            open_until_ = clock_.now() + config_.wait_duration_in_open_state;
            break;
        case BreakerState::kHalfOpen:
            window_ = Window(config_.permitted_calls_in_half_open);
            half_open_permits_left_ = config_.permitted_calls_in_half_open;
            break;
        case BreakerState::kClosed:
            window_ = Window(config_.sliding_window_size);
            half_open_permits_left_ = 0;
            break;
    }
    pending_transitions_.emplace_back(from, to);
}

void CircuitBreaker::deliver_transitions() {
    // One thread at a time drains the queue, so listeners see transitions in the order they happened
    // even when several threads cause them; a listener that causes another transition (re-entering
    // here) only enqueues it, and the loop below delivers it next.
    std::unique_lock lock(mutex_);
    if (delivering_) return;
    delivering_ = true;
    while (!pending_transitions_.empty()) {
        const auto [from, to] = pending_transitions_.front();
        pending_transitions_.pop_front();
        const std::vector<Listener> listeners = listeners_;  // a listener may add listeners
        lock.unlock();
        try {
            for (const Listener& listener : listeners) listener(from, to);
        } catch (...) {
            lock.lock();
            delivering_ = false;
            throw;
        }
        lock.lock();
    }
    delivering_ = false;
}

}  // namespace vg::cluster
