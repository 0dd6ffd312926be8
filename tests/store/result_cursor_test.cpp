#include "store/result_cursor.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vg::store {
namespace {

TEST(ResultCursorTest, RoundTrips) {
    for (const ResultCursor& cursor : {ResultCursor{1741942800123456, "01HQ7Z8X9Y0A1B2C3D4E5F6G7H"},
                                       ResultCursor{-1, "a"}, ResultCursor{0, "id.with:odd-chars_"}}) {
        const std::string text = encode_cursor(cursor);
        EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        const ResultCursor back = decode_cursor(text);
        EXPECT_EQ(back.created_us, cursor.created_us);
        EXPECT_EQ(back.id, cursor.id);
    }
}

TEST(ResultCursorTest, RejectsWhatItDidNotMake) {
    const std::string good = encode_cursor({1741942800123456, "01HQ7Z8X9Y0A1B2C3D4E5F6G7H"});
    for (const std::string& bad : {std::string(), std::string("===="), std::string("a b"), good + "=", good + "!",
                                   good.substr(0, good.size() - 1), std::string("eC55") /* "x.y" */,
                                   std::string("MTIz") /* "123": no id */, std::string("LmFi") /* ".ab": no time */,
                                   std::string("KzEuYQ") /* "+1.a" */, std::string("MDEuYQ") /* "01.a" */}) {
        EXPECT_THROW(decode_cursor(bad), std::invalid_argument) << bad;
    }
}

}  // namespace
}  // namespace vg::store
