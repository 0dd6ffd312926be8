#include "engine/text/gbnf_matcher.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vg::test {
namespace {

TEST(GbnfMatcherTest, MatchesLiteralsWholly) {
    GbnfMatcher matcher(R"(root ::= "ab" "c")");
    EXPECT_TRUE(matcher.matches("abc"));
    EXPECT_FALSE(matcher.matches("ab"));
    EXPECT_FALSE(matcher.matches("abcd"));
    EXPECT_FALSE(matcher.matches(""));
}

TEST(GbnfMatcherTest, DecodesLiteralEscapes) {
    GbnfMatcher matcher(R"(root ::= "\"q\\" "\n\t" "\x41\u00e9")");
    EXPECT_TRUE(matcher.matches("\"q\\\n\tA\xC3\xA9"));
    EXPECT_FALSE(matcher.matches("\"q\\ntA\xC3\xA9"));
}

TEST(GbnfMatcherTest, MatchesCharacterClassesWithRangesAndNegation) {
    GbnfMatcher matcher(R"(
        root ::= [a-cX] [^"\\\x00-\x1F]
    )");
    EXPECT_TRUE(matcher.matches("bz"));
    EXPECT_TRUE(matcher.matches("X\xE2\x82\xAC"));  // a negated class takes any other code point, multi-byte too
    EXPECT_FALSE(matcher.matches("dz"));
    EXPECT_FALSE(matcher.matches("a\""));
    EXPECT_FALSE(matcher.matches("a\\"));
    EXPECT_FALSE(matcher.matches("a\n"));
    EXPECT_FALSE(matcher.matches("a"));  // a negated class still needs a character
}

TEST(GbnfMatcherTest, TreatsADashBeforeTheClosingBracketAsALiteral) {
    GbnfMatcher matcher(R"(root ::= [+-]+)");
    EXPECT_TRUE(matcher.matches("+-+"));
    EXPECT_FALSE(matcher.matches(","));  // ',' lies between '+' and '-' in ASCII: no range was formed
}

TEST(GbnfMatcherTest, HonoursRepetitionOperators) {
    GbnfMatcher matcher(R"(
root ::= "a"* "b"+ "c"? "d"{2} "e"{1,3} "f"{2,}
)");
    EXPECT_TRUE(matcher.matches("bddeff"));
    EXPECT_TRUE(matcher.matches("aaabbbcddeeefff"));
    EXPECT_FALSE(matcher.matches("ddeff"));      // b+ needs one
    EXPECT_FALSE(matcher.matches("bccddeff"));   // c? at most one
    EXPECT_FALSE(matcher.matches("bdddeff"));    // d{2} exactly two
    EXPECT_FALSE(matcher.matches("bddeeeeff"));  // e{1,3} at most three
    EXPECT_FALSE(matcher.matches("bddef"));      // f{2,} at least two
}

TEST(GbnfMatcherTest, BacktracksAcrossGroupsAndAlternatives) {
    GbnfMatcher matcher(R"(root ::= ( "a" | "ab" ) ( "bc" | "c" ) "d")");
    EXPECT_TRUE(matcher.matches("abcd"));  // both splits work; either will do
    EXPECT_TRUE(matcher.matches("acd"));
    EXPECT_FALSE(matcher.matches("abd"));
}

TEST(GbnfMatcherTest, FollowsRecursiveRuleReferences) {
    GbnfMatcher matcher(R"gbnf(# balanced parentheses
root ::= item*
item ::= "(" root ")"
)gbnf");
    EXPECT_TRUE(matcher.matches("(()())"));
    EXPECT_TRUE(matcher.matches(""));
    EXPECT_FALSE(matcher.matches("(()"));
    EXPECT_TRUE(matcher.has_rule("item"));
    EXPECT_FALSE(matcher.has_rule("other"));
}

TEST(GbnfMatcherTest, RuleContinuesOnTheNextLineAfterABar) {
    GbnfMatcher matcher("root ::= \"a\" |\n  \"b\"\nother ::= \"c\"\n");
    EXPECT_TRUE(matcher.matches("b"));
    EXPECT_TRUE(matcher.matches("c", "other"));
    EXPECT_FALSE(matcher.matches("c"));
}

TEST(GbnfMatcherTest, RejectsMalformedGrammars) {
    EXPECT_THROW(GbnfMatcher("root ::= missing"), std::invalid_argument);
    EXPECT_THROW(GbnfMatcher("root = \"a\""), std::invalid_argument);
    EXPECT_THROW(GbnfMatcher("root ::= \"a"), std::invalid_argument);
    EXPECT_THROW(GbnfMatcher("root ::= ( \"a\""), std::invalid_argument);
    EXPECT_THROW(GbnfMatcher("root ::= \"\\q\""), std::invalid_argument);
    EXPECT_THROW(GbnfMatcher("root ::= \"a\"\nroot ::= \"b\""), std::invalid_argument);
}

TEST(GbnfMatcherTest, GivesUpOnLeftRecursionInsteadOfHanging) {
    GbnfMatcher matcher("root ::= root \"a\" | \"b\"");
    EXPECT_THROW(matcher.matches("ba"), std::runtime_error);
}

}  // namespace
}  // namespace vg::test
