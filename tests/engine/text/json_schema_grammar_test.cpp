#include "engine/text/json_schema_grammar.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "engine/text/gbnf_matcher.hpp"

namespace vg::engine {
namespace {

using nlohmann::ordered_json;
using test::GbnfMatcher;
using testing::HasSubstr;

GbnfMatcher grammar_for(std::string_view schema) {
    return GbnfMatcher(json_schema_to_gbnf(ordered_json::parse(schema)));
}

// Documents said to be accepted are first checked to be JSON at all, so a typo in a test cannot pass.
testing::AssertionResult accepts(const GbnfMatcher& grammar, std::string_view document) {
    if (!nlohmann::json::accept(document)) return testing::AssertionFailure() << "not even JSON: " << document;
    if (!grammar.matches(document)) return testing::AssertionFailure() << "grammar rejects: " << document;
    return testing::AssertionSuccess();
}

testing::AssertionResult rejects(const GbnfMatcher& grammar, std::string_view document) {
    if (grammar.matches(document)) return testing::AssertionFailure() << "grammar accepts: " << document;
    return testing::AssertionSuccess();
}

ClientError conversion_error(const ordered_json& schema) {
    try {
        const std::string grammar = json_schema_to_gbnf(schema);
        ADD_FAILURE() << "converted without error:\n" << grammar;
    } catch (const ClientError& error) {
        return error;
    }
    return ClientError("none", "none");
}

ClientError conversion_error(const char* schema) {
    return conversion_error(ordered_json::parse(schema));
}

// The shape of the product's moderation prompts.
constexpr std::string_view kVerdictSchema = R"({
    "type": "object",
    "properties": {
        "verdict": {"enum": ["pass", "reject", "manual_review"]},
        "categories": {"type": "array", "items": {"type": "string"}},
        "confidence": {"type": "number"}
    },
    "required": ["verdict", "confidence"]
})";

TEST(JsonSchemaGrammarTest, VerdictSchemaGrammarHasReadableRulesStartingAtRoot) {
    const std::string grammar = json_schema_to_gbnf(ordered_json::parse(kVerdictSchema));
    EXPECT_EQ(grammar.rfind("root ::= ", 0), 0u) << grammar;
    EXPECT_THAT(grammar, HasSubstr("\nroot-verdict ::= "));
    EXPECT_THAT(grammar, HasSubstr("\nroot-categories ::= "));
    EXPECT_THAT(grammar, HasSubstr("\nws ::= [ \\t\\n]{0,20}\n"));
    EXPECT_EQ(grammar, json_schema_to_gbnf(ordered_json::parse(kVerdictSchema)));  // deterministic
}

TEST(JsonSchemaGrammarTest, VerdictSchemaAcceptsValidDocuments) {
    const GbnfMatcher grammar = grammar_for(kVerdictSchema);
    EXPECT_TRUE(accepts(grammar, R"({"verdict":"pass","confidence":0.93})"));
    EXPECT_TRUE(accepts(grammar, R"({"verdict":"reject","categories":["nudity","violence"],"confidence":1})"));
    EXPECT_TRUE(accepts(grammar, R"({ "verdict" : "manual_review" , "categories" : [ ] , "confidence" : 0 })"));
    EXPECT_TRUE(accepts(grammar, "{\n  \"verdict\": \"pass\",\n\t\"categories\": [\"a\"],\n  \"confidence\": 1e-3\n}"));
}

TEST(JsonSchemaGrammarTest, VerdictSchemaRejectsInvalidDocuments) {
    const GbnfMatcher grammar = grammar_for(kVerdictSchema);
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"pass"})"));                      // missing required
    EXPECT_TRUE(rejects(grammar, R"({"confidence":0.5})"));                      // missing required
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"maybe","confidence":0.5})"));    // not in the enum
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"pass","confidence":"high"})"));  // wrong type
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"pass","categories":[1],"confidence":1})"));
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"pass","confidence":0.5,"note":"x"})"));          // extra property
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"pass","categories":["a"b"],"confidence":1})"));  // raw quote
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"pass","confidence":0.5,})"));
    EXPECT_TRUE(rejects(grammar, R"({"verdict":"pass","confidence":0.5} trailing)"));
    EXPECT_TRUE(rejects(grammar, R"([{"verdict":"pass","confidence":0.5}])"));
}

TEST(JsonSchemaGrammarTest, PropertiesComeInDeclaredOrder) {
    const GbnfMatcher grammar = grammar_for(kVerdictSchema);
    // Valid JSON Schema-wise, but the grammar fixes one order so the model writes fields as the prompt lists them.
    EXPECT_TRUE(rejects(grammar, R"({"confidence":0.5,"verdict":"pass"})"));
}

TEST(JsonSchemaGrammarTest, PlainJsonOverloadUsesSortedKeyOrder) {
    const auto schema = nlohmann::json::parse(R"({"properties":{"b":{"type":"null"},"a":{"type":"null"}},
                                                 "required":["a","b"]})");
    const GbnfMatcher grammar(json_schema_to_gbnf(schema));
    EXPECT_TRUE(accepts(grammar, R"({"a":null,"b":null})"));
    EXPECT_TRUE(rejects(grammar, R"({"b":null,"a":null})"));
}

TEST(JsonSchemaGrammarTest, OptionalPropertiesMayBeOmittedInAnyCombination) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"object","properties":{
        "a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"},"d":{"type":"integer"}},
        "required":["b"]})");
    EXPECT_TRUE(accepts(grammar, R"({"b":1})"));
    EXPECT_TRUE(accepts(grammar, R"({"a":1,"b":2})"));
    EXPECT_TRUE(accepts(grammar, R"({"b":1,"d":4})"));
    EXPECT_TRUE(accepts(grammar, R"({"b":1,"c":3})"));
    EXPECT_TRUE(accepts(grammar, R"({"a":1,"b":2,"c":3,"d":4})"));
    EXPECT_TRUE(rejects(grammar, R"({})"));
    EXPECT_TRUE(rejects(grammar, R"({"a":1})"));
    EXPECT_TRUE(rejects(grammar, R"({"a":1,"c":3})"));
    EXPECT_TRUE(rejects(grammar, R"({"b":1,"b":2})"));
    EXPECT_TRUE(rejects(grammar, R"({,"b":1})"));
}

TEST(JsonSchemaGrammarTest, AllOptionalPropertiesAllowAnEmptyObject) {
    const GbnfMatcher grammar = grammar_for(R"({"properties":{"a":{"type":"boolean"},"b":{"type":"boolean"}}})");
    EXPECT_TRUE(accepts(grammar, R"({})"));
    EXPECT_TRUE(accepts(grammar, R"({ })"));
    EXPECT_TRUE(accepts(grammar, R"({"b":false})"));
    EXPECT_TRUE(accepts(grammar, R"({"a":true,"b":false})"));
    EXPECT_TRUE(rejects(grammar, R"({"a":true,})"));
    EXPECT_TRUE(rejects(grammar, R"({"c":true})"));
}

TEST(JsonSchemaGrammarTest, StringsFollowJsonEscapingRules) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"string"})");
    EXPECT_TRUE(accepts(grammar, R"("")"));
    EXPECT_TRUE(accepts(grammar, R"("line\nbreak \"quoted\" \\ \/ \b\f\r\t")"));
    EXPECT_TRUE(accepts(grammar, R"("\u00e9 \uD83D\uDE00")"));
    EXPECT_TRUE(accepts(grammar, "\"caf\xC3\xA9 \xF0\x9F\x98\x80\""));
    EXPECT_TRUE(rejects(grammar, "\"raw\nnewline\""));
    EXPECT_TRUE(rejects(grammar, "\"tab\tinside\""));
    EXPECT_TRUE(rejects(grammar, R"("un"escaped")"));
    EXPECT_TRUE(rejects(grammar, R"("bad \q escape")"));
    EXPECT_TRUE(rejects(grammar, R"("short \u12 escape")"));
    EXPECT_TRUE(rejects(grammar, R"("lone \ud800 surrogate")"));
    EXPECT_TRUE(rejects(grammar, R"("reversed \udc00\ud800 pair")"));
    EXPECT_TRUE(rejects(grammar, R"("unterminated)"));
}

TEST(JsonSchemaGrammarTest, StringLengthCountsCharactersNotBytes) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"string","minLength":2,"maxLength":4})");
    EXPECT_TRUE(accepts(grammar, R"("ab")"));
    EXPECT_TRUE(accepts(grammar, R"("abcd")"));
    EXPECT_TRUE(accepts(grammar, "\"\xC3\xA9\xC3\xA9\""));  // 2 characters, 4 bytes
    EXPECT_TRUE(accepts(grammar, R"("\n\u00e9\"x")"));      // escapes count once
    EXPECT_TRUE(rejects(grammar, R"("a")"));
    EXPECT_TRUE(rejects(grammar, R"("abcde")"));
    const GbnfMatcher empty_only = grammar_for(R"({"type":"string","maxLength":0})");
    EXPECT_TRUE(accepts(empty_only, R"("")"));
    EXPECT_TRUE(rejects(empty_only, R"("a")"));
}

TEST(JsonSchemaGrammarTest, NumbersIntegersBooleansAndNull) {
    const GbnfMatcher integer = grammar_for(R"({"type":"integer"})");
    for (auto document : {"0", "-12", "42", "9007199254740991"}) EXPECT_TRUE(accepts(integer, document));
    for (auto document : {"1.5", "01", "\"1\"", "+1", "-", ""}) EXPECT_TRUE(rejects(integer, document));

    const GbnfMatcher number = grammar_for(R"({"type":"number"})");
    for (auto document : {"-0.5", "3", "2.5E+10", "1e-3", "0.0001"}) EXPECT_TRUE(accepts(number, document));
    for (auto document : {".5", "1.", "+1", "NaN", "0x10", "1e", "--1"}) EXPECT_TRUE(rejects(number, document));

    const GbnfMatcher boolean = grammar_for(R"({"type":"boolean"})");
    EXPECT_TRUE(accepts(boolean, "true"));
    EXPECT_TRUE(accepts(boolean, "false"));
    EXPECT_TRUE(rejects(boolean, "True"));
    EXPECT_TRUE(rejects(boolean, "null"));

    const GbnfMatcher null = grammar_for(R"({"type":"null"})");
    EXPECT_TRUE(accepts(null, "null"));
    EXPECT_TRUE(rejects(null, "\"null\""));
}

TEST(JsonSchemaGrammarTest, ArraysHonourItemsAndBounds) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})");
    EXPECT_TRUE(accepts(grammar, "[1]"));
    EXPECT_TRUE(accepts(grammar, "[1,2,3]"));
    EXPECT_TRUE(accepts(grammar, "[ 1 , 2 ]"));
    EXPECT_TRUE(rejects(grammar, "[]"));
    EXPECT_TRUE(rejects(grammar, "[1,2,3,4]"));  // too many items
    EXPECT_TRUE(rejects(grammar, R"(["a"])"));
    EXPECT_TRUE(rejects(grammar, "[1,]"));

    const GbnfMatcher at_least_two = grammar_for(R"({"items":{"type":"null"},"minItems":2})");
    EXPECT_TRUE(accepts(at_least_two, "[null,null]"));
    EXPECT_TRUE(accepts(at_least_two, "[null,null,null,null,null]"));
    EXPECT_TRUE(rejects(at_least_two, "[null]"));

    const GbnfMatcher empty_only = grammar_for(R"({"type":"array","maxItems":0})");
    EXPECT_TRUE(accepts(empty_only, "[]"));
    EXPECT_TRUE(rejects(empty_only, "[1]"));

    const GbnfMatcher anything = grammar_for(R"({"type":"array"})");
    EXPECT_TRUE(accepts(anything, R"([1,"a",null,{"k":[true,{}]},[]])"));
}

TEST(JsonSchemaGrammarTest, EnumAndConstAdmitExactlyTheirValues) {
    const GbnfMatcher mixed = grammar_for(R"({"enum":["a",1,null,true,"with \"quote\""]})");
    for (auto document : {R"("a")", "1", "null", "true", R"("with \"quote\"")"}) EXPECT_TRUE(accepts(mixed, document));
    for (auto document : {R"("b")", "2", "false", R"("1")", R"("A")"}) EXPECT_TRUE(rejects(mixed, document));

    const GbnfMatcher constant = grammar_for(R"({"const":"fixed"})");
    EXPECT_TRUE(accepts(constant, R"("fixed")"));
    EXPECT_TRUE(rejects(constant, R"("fixe")"));

    // Values the sibling "type" or length rules out are dropped: the schema rejects them too.
    const GbnfMatcher typed = grammar_for(R"({"type":"string","maxLength":2,"enum":["a",1,"long"]})");
    EXPECT_TRUE(accepts(typed, R"("a")"));
    EXPECT_TRUE(rejects(typed, "1"));
    EXPECT_TRUE(rejects(typed, R"("long")"));
}

TEST(JsonSchemaGrammarTest, AnyOfAndOneOfBecomeAlternatives) {
    const GbnfMatcher any_of = grammar_for(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})");
    EXPECT_TRUE(accepts(any_of, R"("x")"));
    EXPECT_TRUE(accepts(any_of, "5"));
    EXPECT_TRUE(rejects(any_of, "true"));

    const GbnfMatcher one_of = grammar_for(R"({"oneOf":[
        {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
        {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"number"}},"required":["kind","side"]}
    ]})");
    EXPECT_TRUE(accepts(one_of, R"({"kind":"circle","r":1})"));
    EXPECT_TRUE(accepts(one_of, R"({"kind":"square","side":2.5})"));
    EXPECT_TRUE(rejects(one_of, R"({"kind":"circle","side":1})"));
}

TEST(JsonSchemaGrammarTest, TypeListsMakeValuesNullable) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"object","properties":{
        "name":{"type":["string","null"]},
        "tags":{"type":["array","null"],"items":{"type":"string"}}},"required":["name","tags"]})");
    EXPECT_TRUE(accepts(grammar, R"({"name":"x","tags":["a"]})"));
    EXPECT_TRUE(accepts(grammar, R"({"name":null,"tags":null})"));
    EXPECT_TRUE(rejects(grammar, R"({"name":1,"tags":null})"));
    EXPECT_TRUE(rejects(grammar, R"({"name":null,"tags":[1]})"));
}

TEST(JsonSchemaGrammarTest, RecursiveDefinitionsThroughRefs) {
    const GbnfMatcher grammar = grammar_for(R"({
        "$defs": {"Node": {"type":"object","properties":{
            "name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/Node"}}},"required":["name"]}},
        "$ref": "#/$defs/Node"})");
    EXPECT_TRUE(grammar.has_rule("def-node"));
    EXPECT_TRUE(accepts(grammar, R"({"name":"a"})"));
    EXPECT_TRUE(accepts(grammar, R"({"name":"a","children":[{"name":"b","children":[{"name":"c"}]},{"name":"d"}]})"));
    EXPECT_TRUE(rejects(grammar, R"({"name":"a","children":[{"children":[]}]})"));
}

TEST(JsonSchemaGrammarTest, RefsToDefinitionsAndToTheRoot) {
    const GbnfMatcher definitions = grammar_for(R"({"definitions":{"id":{"type":"integer"}},
        "type":"array","items":{"$ref":"#/definitions/id"}})");
    EXPECT_TRUE(accepts(definitions, "[1,2]"));
    EXPECT_TRUE(rejects(definitions, R"(["1"])"));

    const GbnfMatcher root = grammar_for(R"({"type":"object","properties":{"next":{"$ref":"#"}}})");
    EXPECT_TRUE(accepts(root, R"({"next":{"next":{}}})"));
    EXPECT_TRUE(rejects(root, R"({"next":{"other":{}}})"));
}

TEST(JsonSchemaGrammarTest, ObjectsWithoutListedPropertiesFollowAdditionalProperties) {
    const GbnfMatcher free_form = grammar_for(R"({"type":"object"})");
    EXPECT_TRUE(accepts(free_form, R"({"any":[1,{"x":null}],"b":"c"})"));
    EXPECT_TRUE(rejects(free_form, "[]"));

    const GbnfMatcher map = grammar_for(R"({"type":"object","additionalProperties":{"type":"integer"}})");
    EXPECT_TRUE(accepts(map, R"({})"));
    EXPECT_TRUE(accepts(map, R"({"a":1,"b":2})"));
    EXPECT_TRUE(rejects(map, R"({"a":"x"})"));

    const GbnfMatcher empty_only = grammar_for(R"({"type":"object","properties":{}})");
    EXPECT_TRUE(accepts(empty_only, R"({})"));
    EXPECT_TRUE(rejects(empty_only, R"({"a":1})"));
}

TEST(JsonSchemaGrammarTest, RequiredNamesWithoutSchemaTakeAnyValue) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"object","required":["id"]})");
    EXPECT_TRUE(accepts(grammar, R"({"id":[1,"two"]})"));
    EXPECT_TRUE(rejects(grammar, R"({})"));
}

TEST(JsonSchemaGrammarTest, StringFormats) {
    const GbnfMatcher date = grammar_for(R"({"type":"string","format":"date"})");
    EXPECT_TRUE(accepts(date, R"("2024-02-28")"));
    EXPECT_TRUE(accepts(date, R"("1999-12-31")"));
    EXPECT_TRUE(rejects(date, R"("2024-13-01")"));
    EXPECT_TRUE(rejects(date, R"("2024-04-31")"));
    EXPECT_TRUE(rejects(date, R"("2024-2-28")"));

    const GbnfMatcher date_time = grammar_for(R"({"type":"string","format":"date-time"})");
    EXPECT_TRUE(accepts(date_time, R"("2024-05-06T07:08:09Z")"));
    EXPECT_TRUE(accepts(date_time, R"("2024-05-06T23:59:59.123+02:00")"));
    EXPECT_TRUE(rejects(date_time, R"("2024-05-06T07:08:09")"));  // RFC 3339 requires the offset
    EXPECT_TRUE(rejects(date_time, R"("2024-05-06T24:00:00Z")"));

    const GbnfMatcher uuid = grammar_for(R"({"type":"string","format":"uuid"})");
    EXPECT_TRUE(accepts(uuid, R"("123e4567-e89b-12d3-a456-426614174000")"));
    EXPECT_TRUE(rejects(uuid, R"("123e4567e89b12d3a456426614174000")"));
}

TEST(JsonSchemaGrammarTest, PropertyNamesAreEscapedAndRuleNamesStayDistinct) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"object","properties":{
        "say \"hi\"\\":{"type":"integer"},"a_b":{"type":"integer"},"a-b":{"type":"string"},"userName":{"type":"null"}},
        "required":["say \"hi\"\\","a_b","a-b","userName"]})");
    EXPECT_TRUE(grammar.has_rule("root-user-name-kv"));
    EXPECT_TRUE(accepts(grammar, R"({"say \"hi\"\\":1,"a_b":2,"a-b":"x","userName":null})"));
    EXPECT_TRUE(rejects(grammar, R"({"say \"hi\"\\":1,"a_b":"x","a-b":2,"userName":null})"));
}

TEST(JsonSchemaGrammarTest, WhitespaceBetweenTokensIsBounded) {
    const GbnfMatcher grammar = grammar_for(R"({"type":"array","items":{"type":"integer"}})");
    EXPECT_TRUE(accepts(grammar, "[" + std::string(20, ' ') + "1]"));
    EXPECT_TRUE(rejects(grammar, "[" + std::string(21, ' ') + "1]"));
    EXPECT_TRUE(rejects(grammar, " [1]"));  // nothing before the document
}

TEST(JsonSchemaGrammarTest, UnitIntervalAndNonNegativeBoundsAreHeldByTheGrammar) {
    const auto unit = grammar_for(R"({"type":"number","minimum":0,"maximum":1})");
    for (auto text : {"0", "1", "0.5", "0.0625", "1.000"}) EXPECT_TRUE(accepts(unit, text)) << text;
    for (auto text : {"1.5", "2", "-0.1", "1.01", "01", "86143543542"}) EXPECT_TRUE(rejects(unit, text)) << text;
    const auto count = grammar_for(R"({"type":"integer","minimum":0})");
    for (auto text : {"0", "7", "120"}) EXPECT_TRUE(accepts(count, text)) << text;
    for (auto text : {"-1", "1.5", "007"}) EXPECT_TRUE(rejects(count, text)) << text;
    const auto amount = grammar_for(R"({"type":"number","minimum":0})");
    EXPECT_TRUE(accepts(amount, "3.25"));
    EXPECT_TRUE(rejects(amount, "-3.25"));
}

TEST(JsonSchemaGrammarTest, UnsupportedKeywordsNameTheKeywordAndPath) {
    ClientError pattern = conversion_error(R"({"properties":{"name":{"type":"string","pattern":"^a"}}})");
    EXPECT_EQ(pattern.code(), "unsupported_schema");
    EXPECT_THAT(pattern.what(), HasSubstr("'pattern'"));
    EXPECT_THAT(pattern.what(), HasSubstr("#/properties/name/pattern"));
    EXPECT_EQ(pattern.http_status(), 400);

    for (auto schema : {R"({"type":"integer","minimum":5})", R"({"type":"number","maximum":10})",
                        R"({"allOf":[{"type":"string"}]})",
                        R"({"type":"array","uniqueItems":true})", R"({"type":"object","patternProperties":{}})",
                        R"({"type":"string","format":"email"})", R"({"$ref":"https://example.com/schema"})",
                        R"({"$defs":{"a":{"type":"string"}},"$ref":"#/$defs/a","type":"string"})",
                        R"({"type":"array","items":[{"type":"string"}]})", R"({"type":"string","maxLength":5000})",
                        R"({"type":"array","maxItems":1001})"}) {
        EXPECT_EQ(conversion_error(schema).code(), "unsupported_schema") << schema;
    }
}

TEST(JsonSchemaGrammarTest, InvalidSchemasAreReportedAsSuch) {
    ClientError unknown_type = conversion_error(R"({"properties":{"a":{"type":"strin"}}})");
    EXPECT_EQ(unknown_type.code(), "invalid_schema");
    EXPECT_THAT(unknown_type.what(), HasSubstr("#/properties/a/type"));
    EXPECT_THAT(unknown_type.what(), HasSubstr("strin"));

    for (auto schema : {R"([])", R"("string")", R"(true)", R"({"properties":{"a":false}})",
                        R"({"$ref":"#/$defs/missing"})", R"({"type":"array","minItems":3,"maxItems":2})",
                        R"({"type":"string","minLength":-1})", R"({"type":"object","required":"a"})", R"({"anyOf":[]})",
                        R"({"type":[]})", R"({"type":"string","enum":[1,2]})", R"({"properties":"a"})"}) {
        EXPECT_EQ(conversion_error(schema).code(), "invalid_schema") << schema;
    }
}

TEST(JsonSchemaGrammarTest, LeftRecursiveRefsAreRejected) {
    ClientError error = conversion_error(R"({"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},
                                            "$ref":"#/$defs/a"})");
    EXPECT_EQ(error.code(), "invalid_schema");
    EXPECT_THAT(error.what(), HasSubstr("#/$defs/a/anyOf/0/$ref"));
    EXPECT_EQ(conversion_error(R"({"$ref":"#"})").code(), "invalid_schema");
}

TEST(JsonSchemaGrammarTest, HostileSchemasFailCleanly) {
    ordered_json deep = {{"type", "string"}};
    for (int i = 0; i < 200; ++i) deep = {{"type", "array"}, {"items", deep}};
    EXPECT_EQ(conversion_error(deep).code(), "unsupported_schema");

    // Optional properties cost quadratic grammar text; the size bound stops it.
    ordered_json wide = {{"type", "object"}, {"properties", ordered_json::object()}};
    for (int i = 0; i < 3000; ++i) wide["properties"]["property" + std::to_string(i)] = {{"type", "null"}};
    EXPECT_EQ(conversion_error(wide).code(), "unsupported_schema");

    ordered_json bad_utf8 = {{"type", "object"}, {"properties", {{"\xFF", {{"type", "null"}}}}}};
    EXPECT_EQ(conversion_error(bad_utf8).code(), "invalid_schema");
}

}  // namespace
}  // namespace vg::engine
