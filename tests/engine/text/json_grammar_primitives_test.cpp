#include "engine/text/json_grammar_primitives.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "engine/text/gbnf_matcher.hpp"
#include "engine/text/gbnf_rule_set.hpp"

namespace vg::engine {
namespace {

std::string emitted(const JsonGrammarPrimitives& primitives) {
    GbnfRuleSet rules(1 << 20);
    primitives.define_used(rules);
    return rules.text();
}

// The names of the emitted rules, in order.
std::string rule_names(const std::string& grammar) {
    std::string names;
    for (std::size_t start = 0; start < grammar.size();) {
        const std::size_t end = grammar.find('\n', start);
        names += grammar.substr(start, grammar.find(" ::= ", start) - start) + " ";
        start = end + 1;
    }
    return names;
}

TEST(JsonGrammarPrimitivesTest, EmitsNothingUnused) {
    JsonGrammarPrimitives primitives;
    EXPECT_EQ(emitted(primitives), "");
}

TEST(JsonGrammarPrimitivesTest, EmitsWhatARuleUsesInAFixedOrder) {
    JsonGrammarPrimitives primitives;
    EXPECT_EQ(primitives.use("number"), "number");
    EXPECT_EQ(primitives.use("string"), "string");
    EXPECT_EQ(rule_names(emitted(primitives)), "hex char string integer number ");
}

TEST(JsonGrammarPrimitivesTest, AnyValuePullsInTheWholeJsonGrammar) {
    JsonGrammarPrimitives primitives;
    primitives.use("value");
    EXPECT_EQ(rule_names(emitted(primitives)), "ws hex char string integer number boolean null value object array ");
}

TEST(JsonGrammarPrimitivesTest, UnknownNamesAreALogicError) {
    JsonGrammarPrimitives primitives;
    EXPECT_THROW(primitives.use("email"), std::logic_error);
    EXPECT_TRUE(JsonGrammarPrimitives::is_known("date-time"));
    EXPECT_FALSE(JsonGrammarPrimitives::is_known("root"));
}

TEST(JsonGrammarPrimitivesTest, AnyValueGrammarAdmitsJsonAndNothingElse) {
    JsonGrammarPrimitives primitives;
    primitives.use("value");
    const test::GbnfMatcher grammar(emitted(primitives));
    for (auto document : {R"({"a":[1,-2.5e3,"x",true,false,null,{}],"b":{"c":[]}})", "[ 1 , [ ] ]", R"("\u00e9")"}) {
        EXPECT_TRUE(grammar.matches(document, "value")) << document;
    }
    for (auto document : {"{a:1}", "[1,]", "{\"a\"}", "'x'", "undefined", "{\"a\":1,}"}) {
        EXPECT_FALSE(grammar.matches(document, "value")) << document;
    }
}

TEST(JsonGrammarPrimitivesTest, TimeNeedsAValidClockAndAnOffset) {
    JsonGrammarPrimitives primitives;
    primitives.use("time");
    const test::GbnfMatcher grammar(emitted(primitives));
    EXPECT_TRUE(grammar.matches(R"("00:00:00Z")", "time"));
    EXPECT_TRUE(grammar.matches(R"("23:59:59.999999-11:30")", "time"));
    EXPECT_FALSE(grammar.matches(R"("12:60:00Z")", "time"));
    EXPECT_FALSE(grammar.matches(R"("12:00:00")", "time"));
    EXPECT_FALSE(grammar.matches(R"("12:00Z")", "time"));
}

}  // namespace
}  // namespace vg::engine
