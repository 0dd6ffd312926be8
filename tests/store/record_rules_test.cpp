#include "store/record_rules.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vg::store {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

TEST(SanitizeUtf8Test, KeepsValidText) {
    const std::string text = "ascii é ß € 世界 🌍 \x7F";
    EXPECT_EQ(sanitize_utf8(text), text);
}

TEST(SanitizeUtf8Test, ReplacesEveryInvalidByte) {
    const std::string r(kReplacement);
    EXPECT_EQ(sanitize_utf8(std::string("a\0b", 3)), "a" + r + "b");
    EXPECT_EQ(sanitize_utf8("\xFF"), r);
    EXPECT_EQ(sanitize_utf8("\xC0\xAF"), r + r);                  // overlong '/'
    EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), r + r + r);          // a surrogate
    EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), r + r + r + r);  // past U+10FFFF
    EXPECT_EQ(sanitize_utf8("end \xE2\x82"), "end " + r + r);     // cut short
    EXPECT_EQ(sanitize_utf8("\x80x"), r + "x");                   // a lone continuation byte
}

TEST(ResultIdRuleTest, AcceptsUrlSafeIds) {
    EXPECT_TRUE(valid_result_id("01HQ7Z8X9Y0A1B2C3D4E5F6G7H"));
    EXPECT_TRUE(valid_result_id("order-7.result_2:a"));
    EXPECT_FALSE(valid_result_id(""));
    EXPECT_FALSE(valid_result_id("a/b"));
    EXPECT_FALSE(valid_result_id("a b"));
    EXPECT_FALSE(valid_result_id(std::string(129, 'a')));
    EXPECT_TRUE(valid_result_id(std::string(128, 'a')));
}

TEST(PrepareForInsertTest, CompletesAndCleansTheRecord) {
    IdGenerator ids;
    ResultRecord record;
    record.task = "product_analysis";
    record.status = "ok";
    record.model = "m\xFF";
    record.result = {{"k\xFF", {"v\xC3", std::string("nul\0", 4)}}};
    record.created_at = std::chrono::system_clock::time_point(1741942800123456789ns);
    prepare_for_insert(record, ids);
    EXPECT_EQ(record.id.size(), 26u);
    EXPECT_EQ(record.created_at, std::chrono::system_clock::time_point(1741942800123456us));
    const std::string r(kReplacement);
    EXPECT_EQ(record.model, "m" + r);
    EXPECT_EQ(record.result, nlohmann::json({{"k" + r, {"v" + r, "nul" + r}}}));
    EXPECT_EQ(json_text(record.metadata), "");
}

TEST(PrepareForInsertTest, FillsCreationTimeWhenUnset) {
    IdGenerator ids;
    ResultRecord record;
    record.task = "product_analysis";
    record.status = "failed";
    const auto before = std::chrono::system_clock::now();
    prepare_for_insert(record, ids);
    EXPECT_GE(record.created_at, before - 1us);
    EXPECT_LE(record.created_at, std::chrono::system_clock::now());
}

TEST(CheckQueryTest, BoundsTheLimit) {
    ResultQuery query;
    query.limit = 0;
    EXPECT_THROW(check_query(query), std::invalid_argument);
    query.limit = 1;
    EXPECT_FALSE(check_query(query));
    query.cursor = encode_cursor({5, "abc"});
    ASSERT_TRUE(check_query(query));
    EXPECT_EQ(check_query(query)->id, "abc");
    query.cursor = encode_cursor({5, std::string("abc\0", 4)});  // well-formed, but no id of ours
    EXPECT_THROW(check_query(query), std::invalid_argument);
}

TEST(MicrosTest, RoundTripsBeforeAndAfterTheEpoch) {
    for (std::int64_t micros : {std::int64_t{0}, std::int64_t{1741942800123456}, std::int64_t{-1500000}}) {
        EXPECT_EQ(to_micros(from_micros(micros)), micros);
    }
    // Truncation is towards the past, so a time never moves forward.
    EXPECT_EQ(to_micros(std::chrono::system_clock::time_point(-1ns)), -1);
}

}  // namespace
}  // namespace vg::store
