#include "cli/command_args.hpp"

#include <gtest/gtest.h>

namespace vg::cli {
namespace {

const ArgSpec kSpec{{"--server", "--concurrency"}, {"--json"}};

TEST(CommandArgsTest, SplitsPositionalsValuesAndFlags) {
    auto args = CommandArgs::parse({"img.png", "--server", "http://h", "what?", "--json", "--concurrency=8"}, kSpec);
    EXPECT_EQ(args.positional(), (std::vector<std::string>{"img.png", "what?"}));
    EXPECT_EQ(args.value("--server"), "http://h");
    EXPECT_TRUE(args.flag("--json"));
    EXPECT_EQ(args.integer("--concurrency", 4, 1, 16), 8);
    EXPECT_EQ(args.integer("--missing", 4, 1, 16), 4);
    EXPECT_FALSE(args.help());
}

TEST(CommandArgsTest, DoubleDashEndsOptions) {
    auto args = CommandArgs::parse({"--", "--json", "-"}, kSpec);
    EXPECT_EQ(args.positional(), (std::vector<std::string>{"--json", "-"}));
    EXPECT_FALSE(args.flag("--json"));
}

TEST(CommandArgsTest, RefusesWhatItDoesNotKnow) {
    EXPECT_THROW(CommandArgs::parse({"--bogus"}, kSpec), UsageError);
    EXPECT_THROW(CommandArgs::parse({"--server"}, kSpec), UsageError);
    EXPECT_THROW(CommandArgs::parse({"--json=1"}, kSpec), UsageError);
    auto args = CommandArgs::parse({"--concurrency", "0"}, kSpec);
    EXPECT_THROW(args.integer("--concurrency", 4, 1, 16), UsageError);
    args = CommandArgs::parse({"--concurrency", "4x"}, kSpec);
    EXPECT_THROW(args.integer("--concurrency", 4, 1, 16), UsageError);
}

TEST(CommandArgsTest, HelpIsAlwaysKnown) {
    EXPECT_TRUE(CommandArgs::parse({"-h"}, kSpec).help());
    EXPECT_TRUE(CommandArgs::parse({"x", "--help"}, kSpec).help());
}

}  // namespace
}  // namespace vg::cli
