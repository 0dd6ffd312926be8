#include "cli/csv.hpp"

#include <gtest/gtest.h>

namespace vg::cli {
namespace {

TEST(CsvTest, QuotesOnlyFieldsThatNeedIt) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csv_record({"a", "", "c d"}), "a,,c d\n");
}

TEST(CsvTest, RecordsReadBackAsWritten) {
    const std::vector<std::string> fields = {"img 1.png", "failed", "422", "x,\"y\"\r\nz", "", "{\"a\":[1,2]}"};
    const std::string text = csv_record(fields) + csv_record({"next"});
    auto first = read_csv_record(text);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->fields, fields);
    auto second = read_csv_record(std::string_view(text).substr(first->length));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->fields, std::vector<std::string>{"next"});
    EXPECT_EQ(first->length + second->length, text.size());
}

TEST(CsvTest, AnUnfinishedRecordIsNotARecord) {
    const std::string line = csv_record({"a", "multi\nline", "c"});
    for (std::size_t cut = 0; cut < line.size(); ++cut) {
        EXPECT_FALSE(read_csv_record(line.substr(0, cut))) << "cut at " << cut;
    }
    EXPECT_TRUE(read_csv_record(line));
}

TEST(CsvTest, CrLfEndsARecord) {
    auto record = read_csv_record("a,b\r\nc");
    ASSERT_TRUE(record);
    EXPECT_EQ(record->fields, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(record->length, 5u);
}

}  // namespace
}  // namespace vg::cli
