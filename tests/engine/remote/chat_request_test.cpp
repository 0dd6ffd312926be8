#include "engine/remote/chat_request.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vg::engine {
namespace {

using nlohmann::json;

std::shared_ptr<const ModelImage> image_named(std::string hash) {
    auto image = std::make_shared<ModelImage>();
    image->width = 1;
    image->height = 1;
    image->rgb = {0, 0, 0};
    image->hash = std::move(hash);
    return image;
}

// Stands in for PNG encoding: the URL names the image, so order and placement are visible.
std::string stub_url(const ModelImage& image) {
    return "stub:" + image.hash;
}

template <class Fn>
std::string client_error_code(Fn&& fn) {
    try {
        fn();
    } catch (const ClientError& e) {
        return e.code();
    }
    return "no error";
}

TEST(ChatMessagesTest, MessagesWithoutImagesKeepPlainTextContent) {
    const json got = chat_messages({{"system", "be brief"}, {"user", "hi"}}, {}, stub_url);
    EXPECT_EQ(got, json::parse(R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi"}])"));
}

TEST(ChatMessagesTest, MarkersBecomeImagePartsInOrderAcrossMessages) {
    const json got = chat_messages(
        {{"user", "Compare <__media__> and <__media__>."}, {"assistant", "ok"}, {"user", "<__media__>again"}},
        {image_named("a"), image_named("b"), image_named("c")}, stub_url);
    EXPECT_EQ(got, json::parse(R"([
        {"role": "user", "content": [
            {"type": "text", "text": "Compare "},
            {"type": "image_url", "image_url": {"url": "stub:a"}},
            {"type": "text", "text": " and "},
            {"type": "image_url", "image_url": {"url": "stub:b"}},
            {"type": "text", "text": "."}]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "stub:c"}},
            {"type": "text", "text": "again"}]}])"));
}

TEST(ChatMessagesTest, AdjacentMarkersMakeNoEmptyTextParts) {
    const json got =
        chat_messages({{"user", "<__media__><__media__>"}}, {image_named("a"), image_named("b")}, stub_url);
    EXPECT_EQ(got, json::parse(R"([{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "stub:a"}},
        {"type": "image_url", "image_url": {"url": "stub:b"}}]}])"));
}

TEST(ChatMessagesTest, RejectsMoreMarkersThanImages) {
    EXPECT_EQ(client_error_code([] {
                  chat_messages({{"user", "<__media__> <__media__>"}}, {image_named("a")}, stub_url);
              }),
              "image_marker_mismatch");
}

TEST(ChatMessagesTest, RejectsMoreImagesThanMarkersWithoutEncodingAny) {
    int encoded = 0;
    const ImageUrlFn counting = [&](const ModelImage&) {
        ++encoded;
        return std::string("x");
    };
    EXPECT_EQ(client_error_code([&] {
                  chat_messages({{"user", "<__media__>"}}, {image_named("a"), image_named("b")}, counting);
              }),
              "image_marker_mismatch");
    EXPECT_EQ(encoded, 0);
}

TEST(ChatMessagesTest, RejectsAMissingImage) {
    EXPECT_EQ(client_error_code([] {
                  chat_messages({{"user", "<__media__>"}}, {nullptr}, stub_url);
              }),
              "image_marker_mismatch");
}

TEST(AddSamplingTest, SendsEveryFieldThatIsSet) {
    SamplingParams sampling;
    sampling.temperature = 0.25;
    sampling.top_p = 0.5;
    sampling.top_k = 7;
    sampling.max_tokens = 99;
    sampling.seed = 1234;
    sampling.stop = {"END", "\n\n"};
    json body = json::object();
    add_sampling(body, sampling);
    EXPECT_EQ(body, json::parse(R"({"temperature": 0.25, "top_p": 0.5, "top_k": 7, "max_tokens": 99, "seed": 1234,
                                    "stop": ["END", "\n\n"]})"));
}

TEST(AddSamplingTest, LeavesOutSeedAndStopWhenUnset) {
    json body = json::object();
    add_sampling(body, SamplingParams{});
    EXPECT_FALSE(body.contains("seed"));
    EXPECT_FALSE(body.contains("stop"));
    EXPECT_FALSE(body.contains("grammar"));
    EXPECT_FALSE(body.contains("response_format"));
    EXPECT_EQ(body["top_k"], 20);
    EXPECT_EQ(body["max_tokens"], 1024);
}

TEST(AddSamplingTest, SchemaBecomesResponseFormatAndWinsOverTheGrammar) {
    SamplingParams sampling;
    sampling.json_schema = R"({"type": "object", "properties": {"n": {"type": "integer"}}})";
    sampling.grammar = "root ::= \"x\"";
    json body = json::object();
    add_sampling(body, sampling);
    EXPECT_EQ(body["response_format"], json::parse(R"({"type": "json_schema", "json_schema": {"name": "result",
        "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}})"));
    EXPECT_FALSE(body.contains("grammar"));
}

TEST(AddSamplingTest, GrammarAloneGoesAsLlamaServerGrammar) {
    SamplingParams sampling;
    sampling.grammar = "root ::= \"yes\" | \"no\"";
    json body = json::object();
    add_sampling(body, sampling);
    EXPECT_EQ(body["grammar"], "root ::= \"yes\" | \"no\"");
    EXPECT_FALSE(body.contains("response_format"));
}

TEST(AddSamplingTest, RejectsASchemaThatIsNotJson) {
    SamplingParams sampling;
    sampling.json_schema = "{type: object";
    json body = json::object();
    EXPECT_EQ(client_error_code([&] { add_sampling(body, sampling); }), "invalid_json_schema");
}

TEST(ChatCompletionBodyTest, StreamsWithUsageAndNamesTheModel) {
    InferenceRequest request;
    request.messages = {{"user", "hi"}};
    const json body = chat_completion_body(request, "qwen3-vl", stub_url);
    EXPECT_EQ(body["model"], "qwen3-vl");
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["stream_options"], json::parse(R"({"include_usage": true})"));
    EXPECT_EQ(body["messages"], json::parse(R"([{"role": "user", "content": "hi"}])"));
    EXPECT_EQ(body["temperature"], 0.7);
}

TEST(ChatCompletionBodyTest, OmitsAnEmptyModel) {
    InferenceRequest request;
    request.messages = {{"user", "hi"}};
    EXPECT_FALSE(chat_completion_body(request, "", stub_url).contains("model"));
}

}  // namespace
}  // namespace vg::engine
