#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace vg::store {

// Makes ULIDs (https://github.com/ulid/spec): 26 Crockford base32 characters, 48 bits of
// milliseconds then 80 random bits. Monotonic per generator: within one millisecond (or when the
// clock steps back) the random part is incremented, so ids from one generator sort in the order
// they were made. Thread-safe.
class IdGenerator {
public:
    IdGenerator();
    std::string next(std::chrono::system_clock::time_point now);

private:
    std::mutex mutex_;
    std::mt19937_64 random_;
    std::uint64_t last_ms_ = 0;
    std::uint16_t random_high_ = 0;  // the top 16 of the 80 random bits
    std::uint64_t random_low_ = 0;   // the other 64
};

}  // namespace vg::store
