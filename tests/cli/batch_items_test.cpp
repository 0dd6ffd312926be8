#include "cli/batch_items.hpp"

#include <gtest/gtest.h>

#include "cli/image_input.hpp"
#include "cli_test_support.hpp"

namespace vg::cli {
namespace {

using test::TempDir;
using test::write_file;

std::vector<std::string> keys(const std::vector<BatchItem>& items) {
    std::vector<std::string> names;
    for (const auto& item : items) names.push_back(item.key);
    return names;
}

TEST(BatchItemsTest, ADirectoryGivesItsImagesSortedAndBelow) {
    TempDir dir;
    std::filesystem::create_directories(dir / "sub");
    std::filesystem::create_directories(dir / ".cache");
    for (const char* name : {"b.PNG", "a.jpg", "notes.txt", ".hidden.png", "sub/c.webp", ".cache/d.png", "scan.dcm"}) {
        write_file(dir / name, "x");
    }
    const auto items = list_batch_items(dir.path().string());
    EXPECT_EQ(keys(items), (std::vector<std::string>{"a.jpg", "b.PNG", "scan.dcm", "sub/c.webp"}));
    EXPECT_EQ(items[3].source, (dir / "sub/c.webp").string());
    // The key does not depend on how the directory was spelled, so a resumed run matches.
    EXPECT_EQ(keys(list_batch_items(dir.path().string() + "/")), keys(items));
}

TEST(BatchItemsTest, AListGivesItsLinesWithoutCommentsOrRepeats) {
    TempDir dir;
    write_file(dir / "list.txt", "# images\n/data/a.png\n\n  https://example.com/b.jpg  \r\n/data/a.png\nrel/c.png\n");
    const auto items = list_batch_items((dir / "list.txt").string());
    EXPECT_EQ(keys(items), (std::vector<std::string>{"/data/a.png", "https://example.com/b.jpg", "rel/c.png"}));
    EXPECT_EQ(items[2].source, "rel/c.png");
}

TEST(BatchItemsTest, AMissingSourceIsAnInputError) {
    TempDir dir;
    EXPECT_THROW(list_batch_items((dir / "nope").string()), InputError);
}

}  // namespace
}  // namespace vg::cli
