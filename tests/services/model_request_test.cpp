#include "services/model/model_request.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "image/base64.hpp"

namespace vg::services {
namespace {

using nlohmann::json;

const RequestLimits kLimits;

std::string code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ClientError& e) {
        return e.code();
    }
    return "no error";
}

TEST(ParseInferJsonTest, DecodesTheImageAndPutsTheQuestionAfterIt) {
    auto request = parse_infer_json(json{{"image", image::encode_base64("\x89PNG bytes")}, {"question", "What is it?"}}.dump(), kLimits);
    ASSERT_EQ(request.encoded_images.size(), 1u);
    EXPECT_EQ(request.encoded_images[0], "\x89PNG bytes");
    ASSERT_EQ(request.messages.size(), 1u);
    EXPECT_EQ(request.messages[0].role, "user");
    EXPECT_EQ(request.messages[0].text, std::string(engine::kImageMarker) + "\nWhat is it?");
}

TEST(ParseInferJsonTest, KeepsTheOriginalSamplingDefaultsAndAppliesOverrides) {
    auto defaults = parse_infer_json(json{{"image", "aGk="}, {"question", "q"}}.dump(), kLimits);
    EXPECT_DOUBLE_EQ(defaults.sampling.temperature, 0.7);
    EXPECT_DOUBLE_EQ(defaults.sampling.top_p, 0.8);
    EXPECT_EQ(defaults.sampling.top_k, 20);
    EXPECT_EQ(defaults.sampling.max_tokens, 1024);
    auto custom = parse_infer_json(
        json{{"image", "aGk="}, {"question", "q"}, {"temperature", 0}, {"max_tokens", 7}, {"seed", 9}, {"stop", {"END"}}}.dump(), kLimits);
    EXPECT_DOUBLE_EQ(custom.sampling.temperature, 0);
    EXPECT_EQ(custom.sampling.max_tokens, 7);
    EXPECT_EQ(custom.sampling.seed, 9u);
    EXPECT_EQ(custom.sampling.stop, std::vector<std::string>{"END"});
}

TEST(ParseInferJsonTest, JsonSchemaBecomesAGrammarAndIsKept) {
    json schema = {{"type", "object"}, {"properties", {{"ok", {{"type", "boolean"}}}}}, {"required", {"ok"}}};
    auto request = parse_infer_json(json{{"image", "aGk="}, {"question", "q"}, {"json_schema", schema}}.dump(), kLimits);
    EXPECT_NE(request.sampling.grammar.find("root"), std::string::npos);
    EXPECT_EQ(json::parse(request.sampling.json_schema), schema);
}

TEST(ParseChatCompletionTest, ImagePartsBecomeMarkersInOrder) {
    json body = {{"model", "m"},
                 {"stream", true},
                 {"messages",
                  {{{"role", "system"}, {"content", "Be brief."}},
                   {{"role", "user"},
                    {"content",
                     {{{"type", "text"}, {"text", "Compare "}},
                      {{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64,YQ=="}}}},
                      {{"type", "image_url"}, {"image_url", "data:image/png;base64,Yg=="}},
                      {{"type", "text"}, {"text", "please"}}}}}}}};
    auto request = parse_chat_completion(body.dump(), kLimits);
    EXPECT_TRUE(request.stream);
    EXPECT_EQ(request.model, "m");
    ASSERT_EQ(request.messages.size(), 2u);
    EXPECT_EQ(request.messages[0].text, "Be brief.");
    std::string marker = engine::kImageMarker;
    EXPECT_EQ(request.messages[1].text, "Compare " + marker + "\n" + marker + "\nplease");
    EXPECT_EQ(request.encoded_images, (std::vector<std::string>{"a", "b"}));
}

TEST(ParseChatCompletionTest, RejectsWhatItCannotHonour) {
    auto chat = [](const json& body) { return [body] { parse_chat_completion(body.dump(), kLimits); }; };
    json user_text = {{"role", "user"}, {"content", "hi"}};
    EXPECT_EQ(code_of(chat({{"messages", {user_text}}, {"n", 2}})), "invalid_field");
    EXPECT_EQ(code_of(chat({{"messages", json::array()}})), "missing_field");
    EXPECT_EQ(code_of(chat({{"messages", {user_text}}, {"logprobs", true}})), "unknown_field");
    EXPECT_EQ(code_of(chat({{"messages", {{{"role", "tool"}, {"content", "x"}}}}})), "invalid_field");
    json remote_image = {{"role", "user"}, {"content", {{{"type", "image_url"}, {"image_url", {{"url", "https://example.com/a.png"}}}}}}};
    EXPECT_EQ(code_of(chat({{"messages", {remote_image}}})), "unsupported_image_url");
    json assistant_image = {{"role", "assistant"}, {"content", {{{"type", "image_url"}, {"image_url", "data:image/png;base64,YQ=="}}}}};
    EXPECT_EQ(code_of(chat({{"messages", {assistant_image}}})), "invalid_field");
    EXPECT_EQ(code_of(chat({{"messages", {user_text}}, {"response_format", {{"type", "xml"}}}})), "invalid_field");
}

TEST(ParseChatCompletionTest, ResponseFormatJsonObjectConstrainsToAnObject) {
    json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"response_format", {{"type", "json_object"}}}};
    auto request = parse_chat_completion(body.dump(), kLimits);
    EXPECT_NE(request.sampling.grammar.find("root ::= object"), std::string::npos);
}

}  // namespace
}  // namespace vg::services
