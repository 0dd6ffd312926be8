#include "cluster/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace vg::cluster {

void validate_backoff_config(const BackoffConfig& config) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("backoff: " + what); };
    if (config.initial.count() < 0) fail("initial must not be negative");
    if (config.max < config.initial) fail("max must be at least initial");
    if (!std::isfinite(config.multiplier) || config.multiplier < 1) fail("multiplier must be finite and >= 1");
    if (!std::isfinite(config.jitter) || config.jitter < 0 || config.jitter > 1) fail("jitter must be in [0, 1]");
}

std::chrono::milliseconds backoff_delay(const BackoffConfig& config, int attempt, std::mt19937_64& rng) {
    validate_backoff_config(config);
    if (attempt < 1) throw std::invalid_argument("backoff: attempt must be at least 1");

    const auto initial = static_cast<double>(config.initial.count());
    const auto max = static_cast<double>(config.max.count());
    // pow may reach +inf for large attempts; min() then saturates at max, never overflows an integer.
    const double base = std::min(initial * std::pow(config.multiplier, attempt - 1), max);

    const double low = base * (1 - config.jitter);
    const double high = base * (1 + config.jitter);
    const double jittered = config.jitter > 0 ? std::uniform_real_distribution<double>(low, high)(rng) : base;

    // Rounding may step just outside [low, high]; pull the whole-millisecond result back inside.
    double rounded = std::round(jittered);
    if (rounded < low) rounded = std::ceil(low);
    if (rounded > high) rounded = std::floor(high);
    return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(rounded));
}

}  // namespace vg::cluster
