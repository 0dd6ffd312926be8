#pragma once

#include <chrono>
#include <random>

namespace vg::cluster {

// Delay before retry number n (1-based): min(initial * multiplier^(n-1), max), then scaled by a
// uniform random factor in [1 - jitter, 1 + jitter] so that clients failing together do not retry
// together. The result therefore never exceeds max * (1 + jitter).
struct BackoffConfig {
    std::chrono::milliseconds initial{500};
    double multiplier = 2;
    std::chrono::milliseconds max{5000};
    double jitter = 0.2;  // fraction, 0.2 = ±20 %
};

// Throws std::invalid_argument naming the offending field: initial and max must be >= 0 with
// initial <= max, multiplier finite and >= 1, jitter in [0, 1].
void validate_backoff_config(const BackoffConfig& config);

// The delay, rounded to whole milliseconds and kept inside the jitter bounds (unless those bounds
// hold no whole millisecond, e.g. a 1.5 ms base with no jitter). Throws
// std::invalid_argument on a bad config or attempt < 1; huge attempts saturate at max.
// Thread-safe as long as each thread passes its own rng.
std::chrono::milliseconds backoff_delay(const BackoffConfig& config, int attempt, std::mt19937_64& rng);

}  // namespace vg::cluster
