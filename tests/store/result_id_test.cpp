#include "store/result_id.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace vg::store {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::uint64_t decode_time(const std::string& id) {
    std::uint64_t ms = 0;
    for (char c : id.substr(0, 10)) ms = ms * 32 + kCrockford.find(c);
    return ms;
}

TEST(IdGeneratorTest, MakesUlids) {
    IdGenerator ids;
    const auto now = std::chrono::system_clock::time_point(1741942800123ms);
    const std::string id = ids.next(now);
    ASSERT_EQ(id.size(), 26u);
    EXPECT_EQ(id.find_first_not_of(kCrockford), std::string::npos);
    EXPECT_EQ(decode_time(id), 1741942800123u);
}

TEST(IdGeneratorTest, SortsByTime) {
    IdGenerator ids;
    const auto now = std::chrono::system_clock::time_point(1741942800123ms);
    const std::string first = ids.next(now);
    const std::string second = ids.next(now + 1ms);
    EXPECT_LT(first, second);
    IdGenerator other;  // a second generator still sorts by its millisecond
    const std::string earlier = other.next(now - 5ms);
    EXPECT_LT(earlier, first);
}

TEST(IdGeneratorTest, IsMonotonicWithinAMillisecondAndWhenTheClockStepsBack) {
    IdGenerator ids;
    const auto now = std::chrono::system_clock::time_point(1741942800123ms);
    std::string previous = ids.next(now);
    std::set<std::string> seen{previous};
    for (int i = 0; i < 1000; ++i) {
        const std::string id = ids.next(i % 2 ? now : now - 3s);
        EXPECT_LT(previous, id);
        seen.insert(id);
        previous = id;
    }
    EXPECT_EQ(seen.size(), 1001u);
    EXPECT_EQ(decode_time(previous), 1741942800123u);
}

}  // namespace
}  // namespace vg::store
