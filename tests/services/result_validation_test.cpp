#include "services/business/result_validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace vg::services::business {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string extract_error(std::string_view text) {
    try {
        extract_json_object(text);
    } catch (const ModelOutputInvalid& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected ModelOutputInvalid for: " << text;
    return {};
}

std::string validation_error(const json& schema, const json& value) {
    try {
        validate_against_schema(schema, value);
    } catch (const ModelOutputInvalid& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected ModelOutputInvalid for: " << value.dump();
    return {};
}

TEST(ExtractJsonObject, PlainObject) {
    EXPECT_EQ(extract_json_object(R"(  {"a": 1} )"), json({{"a", 1}}));
}

TEST(ExtractJsonObject, FencedBlock) {
    EXPECT_EQ(extract_json_object("Here you go:\n```json\n{\"a\": [1, 2]}\n```\nAnything else?"),
              json({{"a", {1, 2}}}));
    EXPECT_EQ(extract_json_object("```\n{\"a\": 1}\n```"), json({{"a", 1}}));
    EXPECT_EQ(extract_json_object("```json {\"a\": 1}```"), json({{"a", 1}}));
}

TEST(ExtractJsonObject, ObjectAmidProse) {
    EXPECT_EQ(extract_json_object(R"(结果如下：{"b": "含有 } 和 { 的文本"} 希望有帮助。)"),
              json({{"b", "含有 } 和 { 的文本"}}));
    // A brace pair in prose that is not JSON is skipped.
    EXPECT_EQ(extract_json_object(R"(Use {placeholders} like this: {"c": true}<|im_end|>)"), json({{"c", true}}));
}

TEST(ExtractJsonObject, RejectsMissingTruncatedAndNonObjects) {
    EXPECT_EQ(extract_error("I cannot see the image."), "$: the model output contains no JSON object");
    EXPECT_EQ(extract_error(""), "$: the model output contains no JSON object");
    EXPECT_THAT(extract_error(R"({"verdict": "pass", "reasons": ["a)"), HasSubstr("cut off"));
    EXPECT_THAT(extract_error("```json\n{\"verdict\": \"pa"), HasSubstr("cut off"));
    EXPECT_THAT(extract_error("[1, 2]"), HasSubstr("expected a JSON object"));
    EXPECT_THAT(extract_error("{not json}"), HasSubstr("no parseable JSON object"));
}

TEST(ExtractJsonObject, ErrorIsModelOutputInvalid422) {
    try {
        extract_json_object("nothing");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), "model_output_invalid");
        EXPECT_EQ(e.http_status(), 422);
    }
}

const json kSchema = {{"type", "object"},
                      {"properties",
                       {{"verdict", {{"type", "string"}, {"enum", {"pass", "reject", "manual_review"}}}},
                        {"items",
                         {{"type", "array"},
                          {"maxItems", 2},
                          {"items",
                           {{"type", "object"},
                            {"properties", {{"n", {{"type", "integer"}}}, {"ok", {{"type", "boolean"}}}}},
                            {"required", {"n", "ok"}},
                            {"additionalProperties", false}}}}},
                        {"name", {{"type", json::array({"string", "null"})}, {"maxLength", 3}}},
                        {"score", {{"type", "number"}}}}},
                      {"required", {"verdict", "items", "name", "score"}},
                      {"additionalProperties", false}};

json valid_value() {
    return {{"verdict", "pass"}, {"items", {{{"n", 1}, {"ok", true}}}}, {"name", "abc"}, {"score", 0.5}};
}

TEST(ValidateAgainstSchema, AcceptsValidValues) {
    EXPECT_NO_THROW(validate_against_schema(kSchema, valid_value()));
    json value = valid_value();
    value["name"] = nullptr;
    value["items"][0]["n"] = 2.0;  // integral float counts as an integer
    value["score"] = 3;            // an integer is a number
    EXPECT_NO_THROW(validate_against_schema(kSchema, value));
    value["name"] = "中文字";  // three code points, nine bytes
    EXPECT_NO_THROW(validate_against_schema(kSchema, value));
}

TEST(ValidateAgainstSchema, NamesThePathOfTheFirstProblem) {
    json value = valid_value();
    value["verdict"] = "ok";
    EXPECT_EQ(validation_error(kSchema, value), R"($.verdict: "ok" is not one of pass, reject, manual_review)");

    value = valid_value();
    value.erase("score");
    EXPECT_EQ(validation_error(kSchema, value), "$.score: required property is missing");

    value = valid_value();
    value["items"][0]["ok"] = "yes";
    EXPECT_EQ(validation_error(kSchema, value), R"($.items[0].ok: expected boolean, got string "yes")");

    value = valid_value();
    value["items"][0]["n"] = 1.5;
    EXPECT_THAT(validation_error(kSchema, value), HasSubstr("$.items[0].n: expected integer"));

    value = valid_value();
    value["extra"] = 1;
    EXPECT_THAT(validation_error(kSchema, value), HasSubstr("$.extra: unexpected property"));

    value = valid_value();
    value["odd key"] = 1;
    EXPECT_THAT(validation_error(kSchema, value), HasSubstr(R"($["odd key"]: unexpected property)"));

    value = valid_value();
    value["name"] = "abcd";
    EXPECT_EQ(validation_error(kSchema, value), "$.name: 4 characters, more than the limit of 3");

    value = valid_value();
    value["items"] = json::array({{{"n", 1}, {"ok", true}}, {{"n", 2}, {"ok", true}}, {{"n", 3}, {"ok", true}}});
    EXPECT_EQ(validation_error(kSchema, value), "$.items: 3 items, more than the limit of 2");

    EXPECT_THAT(validation_error(kSchema, json::array()), HasSubstr("$: expected object, got array"));
    EXPECT_THAT(validation_error(kSchema, {{"name", 5}}), HasSubstr("$.verdict: required property is missing"));
}

TEST(ValidateAgainstSchema, UnsupportedKeywordIsOurBug) {
    EXPECT_THROW(validate_against_schema({{"type", "number"}, {"exclusiveMinimum", 0}}, 1), std::logic_error);
}

TEST(ValidateAgainstSchema, NumbersAreHeldToTheirBounds) {
    const json unit = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
    EXPECT_NO_THROW(validate_against_schema(unit, 0.25));
    EXPECT_NO_THROW(validate_against_schema(unit, 1));
    EXPECT_THAT(validation_error(unit, 1.5), HasSubstr("above the maximum 1"));
    EXPECT_THAT(validation_error(unit, -0.5), HasSubstr("below the minimum 0"));
}

}  // namespace
}  // namespace vg::services::business
