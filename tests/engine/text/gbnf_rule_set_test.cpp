#include "engine/text/gbnf_rule_set.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace vg::engine {
namespace {

TEST(GbnfLiteralTest, QuotesAndEscapes) {
    EXPECT_EQ(gbnf_literal("abc"), R"("abc")");
    EXPECT_EQ(gbnf_literal(R"(say "hi" \ there)"), R"("say \"hi\" \\ there")");
    EXPECT_EQ(gbnf_literal("a\nb\tc\rd"), R"("a\nb\tc\rd")");
    EXPECT_EQ(gbnf_literal(std::string("\x01\x1F\x7F", 3)), R"("\x01\x1F\x7F")");
    EXPECT_EQ(gbnf_literal(""), R"("")");
}

TEST(GbnfLiteralTest, PassesUtf8Through) {
    EXPECT_EQ(gbnf_literal("caf\xC3\xA9 [x]"), "\"caf\xC3\xA9 [x]\"");
}

TEST(GbnfNamePartTest, MakesLowercaseDashedNames) {
    EXPECT_EQ(gbnf_name_part("verdict"), "verdict");
    EXPECT_EQ(gbnf_name_part("userName"), "user-name");
    EXPECT_EQ(gbnf_name_part("item2Count"), "item2-count");
    EXPECT_EQ(gbnf_name_part("HTTPServer"), "httpserver");
    EXPECT_EQ(gbnf_name_part("a_b  c"), "a-b-c");
    EXPECT_EQ(gbnf_name_part("__x__"), "x");
    EXPECT_EQ(gbnf_name_part("#/$defs/Node"), "defs-node");
    EXPECT_EQ(gbnf_name_part("\xE6\x97\xA5\xE6\x9C\xAC"), "");  // no ASCII letter or digit
}

TEST(GbnfRuleSetTest, EmitsRulesInReservationOrder) {
    GbnfRuleSet rules(1000);
    const std::string root = rules.reserve("root");
    const std::string child = rules.reserve("root-child");
    rules.define(child, R"("c")");
    rules.define(root, "root-child+");
    EXPECT_EQ(rules.text(), "root ::= root-child+\nroot-child ::= \"c\"\n");
}

TEST(GbnfRuleSetTest, MakesTakenNamesUnique) {
    GbnfRuleSet rules(1000);
    EXPECT_EQ(rules.reserve("a"), "a");
    EXPECT_EQ(rules.reserve("a"), "a-2");
    EXPECT_EQ(rules.reserve("a"), "a-3");
    EXPECT_EQ(rules.reserve("a-2"), "a-2-2");
}

TEST(GbnfRuleSetTest, ReleasedNamesAreLeftOutAndFreeAgain) {
    GbnfRuleSet rules(1000);
    const std::string unused = rules.reserve("x");
    const std::string kept = rules.reserve("y");
    rules.define(kept, R"("y")");
    rules.release(unused);
    EXPECT_EQ(rules.text(), "y ::= \"y\"\n");
    EXPECT_EQ(rules.reserve("x"), "x");
}

TEST(GbnfRuleSetTest, MisuseIsALogicError) {
    GbnfRuleSet rules(1000);
    EXPECT_THROW(rules.define("never-reserved", "\"a\""), std::logic_error);
    const std::string name = rules.reserve("a");
    EXPECT_THROW(rules.text(), std::logic_error);  // reserved but never defined
    rules.define(name, R"("a")");
    EXPECT_THROW(rules.define(name, R"("b")"), std::logic_error);
    EXPECT_THROW(rules.release(name), std::logic_error);
}

TEST(GbnfRuleSetTest, RefusesToGrowPastItsBound) {
    GbnfRuleSet rules(40);
    rules.define(rules.reserve("a"), std::string(20, 'x'));  // 1 + 20 + 6 = 27 bytes
    EXPECT_NO_THROW(rules.check_size(13));
    try {
        rules.check_size(14);
        ADD_FAILURE() << "no error past the bound";
    } catch (const ClientError& error) {
        EXPECT_EQ(error.code(), "unsupported_schema");
    }
    EXPECT_THROW(rules.define(rules.reserve("b"), std::string(20, 'x')), ClientError);
}

}  // namespace
}  // namespace vg::engine
