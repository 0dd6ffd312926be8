#include "cluster/retry_budget.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vg::cluster {

namespace {

double checked_ratio(double ratio) {
    if (!std::isfinite(ratio) || ratio < 0) throw std::invalid_argument("retry budget: ratio must be finite and >= 0");
    return ratio;
}

// Absorbs binary rounding (0.2 * 100 may be a hair above or below 20) before flooring.
constexpr double kEpsilon = 1e-9;

}  // namespace

RetryBudget::RetryBudget(double ratio, std::size_t min_per_second, const Clock& clock)
    : ratio_(checked_ratio(ratio)),
      floor_per_second_(static_cast<double>(min_per_second)),
      clock_(clock),
      floor_tokens_(floor_per_second_),
      last_refill_(clock.now()) {}

RetryBudget::RetryBudget(const RetryConfig& config, const Clock& clock)
    : RetryBudget(config.budget_ratio, config.budget_min_retries_per_second, clock) {}

void RetryBudget::on_request() {
    std::lock_guard lock(mutex_);
    ++active_requests_;
}

bool RetryBudget::try_spend() {
    std::lock_guard lock(mutex_);
    const double allowance = std::floor(ratio_ * static_cast<double>(active_requests_) + kEpsilon);
    if (static_cast<double>(active_retries_) < allowance) {
        ++active_retries_;
        return true;
    }
    refill_locked();
    if (floor_tokens_ >= 1 - kEpsilon) {
        floor_tokens_ = std::max(0.0, floor_tokens_ - 1);
        ++active_retries_;
        return true;
    }
    return false;
}

void RetryBudget::on_retry_done() {
    std::lock_guard lock(mutex_);
    if (active_retries_ > 0) --active_retries_;  // tolerate an unmatched call rather than wrap around
}

void RetryBudget::on_request_done() {
    std::lock_guard lock(mutex_);
    if (active_requests_ > 0) --active_requests_;
}

std::size_t RetryBudget::active_requests() const {
    std::lock_guard lock(mutex_);
    return active_requests_;
}

std::size_t RetryBudget::active_retries() const {
    std::lock_guard lock(mutex_);
    return active_retries_;
}

void RetryBudget::refill_locked() {
    const auto now = clock_.now();
    if (now <= last_refill_) return;
    const double seconds = std::chrono::duration<double>(now - last_refill_).count();
    floor_tokens_ = std::min(floor_per_second_, floor_tokens_ + seconds * floor_per_second_);
    last_refill_ = now;
}

}  // namespace vg::cluster
