#include "store/result_id.hpp"

namespace vg::store {

namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::uint64_t kMaxTimestamp = (std::uint64_t{1} << 48) - 1;

}  // namespace

IdGenerator::IdGenerator() : random_(std::random_device{}()) {}

std::string IdGenerator::next(std::chrono::system_clock::time_point now) {
    const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::uint64_t ms = since_epoch < 0 ? 0 : static_cast<std::uint64_t>(since_epoch);
    if (ms > kMaxTimestamp) ms = kMaxTimestamp;

    std::uint64_t time_part = 0;
    std::uint16_t high = 0;
    std::uint64_t low = 0;
    {
        std::lock_guard lock(mutex_);
        if (ms > last_ms_) {
            last_ms_ = ms;
            random_high_ = static_cast<std::uint16_t>(random_());
            random_low_ = random_();
        } else if (++random_low_ == 0 && ++random_high_ == 0) {
            // 2^80 ids in one millisecond: borrow the next millisecond rather than wrap.
            ++last_ms_;
        }
        time_part = last_ms_;
        high = random_high_;
        low = random_low_;
    }

    std::string id(26, '0');
    for (int i = 9; i >= 0; --i) {
        id[static_cast<std::size_t>(i)] = kCrockford[time_part & 31];
        time_part >>= 5;
    }
    // 80 random bits, 5 at a time from the least significant end.
    for (int i = 25; i >= 10; --i) {
        id[static_cast<std::size_t>(i)] = kCrockford[low & 31];
        low = (low >> 5) | (static_cast<std::uint64_t>(high & 31) << 59);
        high = static_cast<std::uint16_t>(high >> 5);
    }
    return id;
}

}  // namespace vg::store
