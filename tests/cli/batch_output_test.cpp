#include "cli/batch_output.hpp"

#include <gtest/gtest.h>

#include "cli/csv.hpp"
#include "cli_test_support.hpp"

namespace vg::cli {
namespace {

using nlohmann::json;
using test::read_file;
using test::TempDir;
using test::write_file;

ItemRecord ok_record(const std::string& item) {
    return {item, "ok", 200, "r-" + item, json{{"verdict", "pass"}, {"note", "a,\"b\"\nc"}}, "", "", 12};
}

ItemRecord failed_record(const std::string& item) {
    return {item, "failed", 422, "r-" + item, nullptr, "model_output_invalid", "bad \"json\", truly\nbad", 30};
}

TEST(BatchOutputTest, FormatIsChosenByExtension) {
    EXPECT_EQ(output_format_for("out/results.csv"), OutputFormat::kCsv);
    EXPECT_EQ(output_format_for("RESULTS.CSV"), OutputFormat::kCsv);
    EXPECT_EQ(output_format_for("results.jsonl"), OutputFormat::kJsonl);
    EXPECT_EQ(output_format_for("results"), OutputFormat::kJsonl);
}

TEST(BatchOutputTest, JsonLinesHoldOneRecordPerLine) {
    const std::string ok = format_record(ok_record("a.png"), OutputFormat::kJsonl);
    const std::string failed = format_record(failed_record("b.png"), OutputFormat::kJsonl);
    ASSERT_TRUE(ok.ends_with("\n"));
    EXPECT_EQ(std::count(ok.begin(), ok.end(), '\n'), 1);
    EXPECT_EQ(std::count(failed.begin(), failed.end(), '\n'), 1);
    auto line = json::parse(ok);
    EXPECT_EQ(line["item"], "a.png");
    EXPECT_EQ(line["status"], "ok");
    EXPECT_EQ(line["result"]["note"], "a,\"b\"\nc");
    EXPECT_EQ(line["id"], "r-a.png");
    line = json::parse(failed);
    EXPECT_EQ(line["error"]["code"], "model_output_invalid");
    EXPECT_EQ(line["http_status"], 422);
    EXPECT_FALSE(line.contains("result"));
}

TEST(BatchOutputTest, CsvRecordsHaveTheHeadersColumns) {
    const std::string record = format_record(failed_record("dir/b,1.png"), OutputFormat::kCsv);
    auto fields = read_csv_record(record);
    ASSERT_TRUE(fields);
    ASSERT_EQ(fields->fields.size(), std::size(kCsvColumns));
    EXPECT_EQ(fields->fields[0], "dir/b,1.png");
    EXPECT_EQ(fields->fields[4], "bad \"json\", truly\nbad");
    EXPECT_EQ(fields->length, record.size());
    auto header = read_csv_record(csv_header());
    ASSERT_TRUE(header);
    EXPECT_EQ(header->fields.front(), "item");
    EXPECT_EQ(header->fields.back(), "result");
    auto ok = read_csv_record(format_record(ok_record("a.png"), OutputFormat::kCsv));
    EXPECT_EQ(json::parse(ok->fields.back())["verdict"], "pass");
}

class OutputFileTest : public ::testing::TestWithParam<OutputFormat> {
protected:
    std::filesystem::path out() const { return dir_ / (GetParam() == OutputFormat::kCsv ? "r.csv" : "r.jsonl"); }
    TempDir dir_;
};

TEST_P(OutputFileTest, AResumedFileKnowsItsItemsAndCutsAPartialLastLine) {
    {
        OutputFile file(out(), GetParam(), false);
        EXPECT_TRUE(file.existing().done.empty());
        file.append(ok_record("a.png"));
        file.append(failed_record("b.png"));
    }
    const std::string whole = read_file(out());
    // A kill in the middle of a write: half of a third line.
    const std::string partial = format_record(ok_record("c.png"), GetParam());
    write_file(out(), whole + partial.substr(0, partial.size() / 2));
    {
        OutputFile file(out(), GetParam(), false);
        EXPECT_EQ(file.existing().done, (std::set<std::string>{"a.png", "b.png"}));
        EXPECT_EQ(file.existing().ok, 1u);
        EXPECT_EQ(file.existing().failed, 1u);
        EXPECT_TRUE(file.existing().partial_tail);
        EXPECT_EQ(read_file(out()), whole);  // the partial line is gone
        file.append(ok_record("c.png"));
    }
    EXPECT_EQ(read_file(out()), whole + partial);
    const auto existing = scan_output(read_file(out()), GetParam());
    EXPECT_EQ(existing.done.size(), 3u);
    EXPECT_FALSE(existing.partial_tail);
}

TEST_P(OutputFileTest, RetryingFailedItemsDropsTheirLines) {
    {
        OutputFile file(out(), GetParam(), false);
        file.append(ok_record("a.png"));
        file.append(failed_record("b.png"));
        file.append(ok_record("c.png"));
    }
    OutputFile file(out(), GetParam(), true);
    EXPECT_EQ(file.existing().done, (std::set<std::string>{"a.png", "c.png"}));
    EXPECT_EQ(file.existing().failed, 0u);
    EXPECT_EQ(read_file(out()).find("b.png"), std::string::npos);
}

TEST_P(OutputFileTest, AFileThatIsNotOursIsNotAppendedTo) {
    write_file(out(), "name,size\nx,1\n");
    EXPECT_THROW(OutputFile(out(), GetParam(), false), OutputError);
    EXPECT_EQ(read_file(out()), "name,size\nx,1\n");
}

INSTANTIATE_TEST_SUITE_P(Formats, OutputFileTest, ::testing::Values(OutputFormat::kJsonl, OutputFormat::kCsv),
                         [](const auto& format) { return format.param == OutputFormat::kCsv ? "Csv" : "Jsonl"; });

TEST(BatchOutputTest, ANewCsvFileStartsWithItsHeader) {
    TempDir dir;
    { OutputFile file(dir / "new.csv", OutputFormat::kCsv, false); }
    EXPECT_EQ(read_file(dir / "new.csv"), csv_header());
}

}  // namespace
}  // namespace vg::cli
