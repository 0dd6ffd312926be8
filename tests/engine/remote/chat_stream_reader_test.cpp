#include "engine/remote/chat_stream_reader.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vg::engine {
namespace {

// Wire text written out by hand, as llama-server sends it.
const std::string kOpener =
    R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]})"
    "\n\n";
std::string piece(const std::string& content) {
    return R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")" + content +
           R"("},"finish_reason":null}]})"
           "\n\n";
}
std::string finish(const std::string& reason) {
    return R"(data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":")" + reason +
           R"("}]})"
           "\n\n";
}
const std::string kUsage =
    R"(data: {"id":"c1","choices":[],"usage":{"prompt_tokens":41,"completion_tokens":3,"total_tokens":44}})"
    "\n\n";
const std::string kDone = "data: [DONE]\n\n";

// Pushes everything, then finish(); collects the text and the last state.
struct Outcome {
    std::vector<std::string> texts;
    bool done = false;
    std::optional<InferenceError> error;
};

Outcome read_all(ChatStreamReader& reader, const std::vector<std::string>& chunks, bool end = true) {
    Outcome out;
    auto take = [&](ChatStreamReader::Progress progress) {
        if (!progress.text.empty()) out.texts.push_back(progress.text);
        out.done = out.done || progress.done;
        if (progress.error) out.error = progress.error;
    };
    for (const auto& chunk : chunks) take(reader.push(chunk));
    if (end) take(reader.finish());
    return out;
}

TEST(ChatStreamReaderTest, PassesOnEachPieceAndEndsAtDone) {
    ChatStreamReader reader;
    const Outcome out =
        read_all(reader, {kOpener, piece("Hel"), piece("lo"), finish("stop"), kUsage, kDone}, /*end=*/false);
    EXPECT_EQ(out.texts, (std::vector<std::string>{"Hel", "lo"}));
    EXPECT_TRUE(out.done);
    EXPECT_FALSE(out.error);
    EXPECT_TRUE(reader.ended());
    EXPECT_EQ(reader.text(), "Hello");
    EXPECT_EQ(reader.finish_reason(), "stop");
    EXPECT_EQ(reader.prompt_tokens(), 41);
    EXPECT_EQ(reader.completion_tokens(), 3);
    EXPECT_EQ(reader.pieces(), 2);
}

TEST(ChatStreamReaderTest, SameTextWhereverTheBodyIsCut) {
    const std::string body = kOpener + piece("\xE5\x95\x86") + piece("\xE5\x93\x81 ok") + finish("stop") + kDone;
    for (std::size_t size = 1; size < body.size(); size += 3) {
        ChatStreamReader reader;
        std::vector<std::string> chunks;
        for (std::size_t pos = 0; pos < body.size(); pos += size) chunks.push_back(body.substr(pos, size));
        const Outcome out = read_all(reader, chunks);
        EXPECT_TRUE(out.done) << size;
        EXPECT_EQ(reader.text(), "\xE5\x95\x86\xE5\x93\x81 ok") << size;
    }
}

TEST(ChatStreamReaderTest, JsonEscapedCharactersArriveDecoded) {
    ChatStreamReader reader;
    const Outcome out = read_all(reader, {piece(R"(\u5546\u54c1 \"q\"\n)"), kDone});
    EXPECT_EQ(out.texts, (std::vector<std::string>{"\xE5\x95\x86\xE5\x93\x81 \"q\"\n"}));
}

TEST(ChatStreamReaderTest, RepairsInvalidUtf8InsteadOfFailing) {
    ChatStreamReader reader;
    const Outcome out = read_all(reader, {piece("a\xFF"
                                                "b"),
                                          kDone});
    EXPECT_FALSE(out.error);
    EXPECT_EQ(reader.text(),
              "a\xEF\xBF\xBD"
              "b");
}

TEST(ChatStreamReaderTest, LengthIsTheOnlyFinishReasonKeptApart) {
    for (const auto& [upstream, ours] : std::vector<std::pair<std::string, std::string>>{
             {"length", "length"}, {"stop", "stop"}, {"eos", "stop"}, {"content_filter", "stop"}}) {
        ChatStreamReader reader;
        read_all(reader, {piece("x"), finish(upstream), kDone});
        EXPECT_EQ(reader.finish_reason(), ours) << upstream;
    }
}

TEST(ChatStreamReaderTest, AFinishReasonWithoutDoneCompletesAtTheEnd) {
    ChatStreamReader reader;
    const Outcome out = read_all(reader, {piece("x"), finish("stop")});
    EXPECT_TRUE(out.done);
    EXPECT_FALSE(out.error);
}

TEST(ChatStreamReaderTest, AStreamCutShortIsAProtocolError) {
    ChatStreamReader reader;
    const Outcome out = read_all(reader, {kOpener, piece("x")});
    EXPECT_FALSE(out.done);
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->code, "upstream_protocol");
    EXPECT_EQ(out.error->http_status, 502);
}

TEST(ChatStreamReaderTest, MalformedChunksAreProtocolErrors) {
    for (const std::string bad : {"data: {not json\n\n", "data: [1,2]\n\n",
                                  R"(data: {"choices":{}})"
                                  "\n\n",
                                  R"(data: {"choices":[{"delta":{"content":5}}]})"
                                  "\n\n",
                                  R"(data: {"choices":[{"delta":"x"}]})"
                                  "\n\n"}) {
        ChatStreamReader reader;
        const Outcome out = read_all(reader, {piece("ok"), bad, kDone});
        ASSERT_TRUE(out.error) << bad;
        EXPECT_EQ(out.error->code, "upstream_protocol") << bad;
        EXPECT_FALSE(out.done) << bad;
        EXPECT_EQ(reader.text(), "ok");
    }
}

TEST(ChatStreamReaderTest, AnErrorEventIsAnUpstreamError) {
    ChatStreamReader reader;
    const Outcome out =
        read_all(reader, {piece("ok"), R"(error: {"code":500,"message":"out of memory","type":"server_error"})"
                                       "\n\n"});
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->code, "upstream_error");
    EXPECT_EQ(out.error->http_status, 502);
    EXPECT_NE(out.error->message.find("out of memory"), std::string::npos) << out.error->message;
}

TEST(ChatStreamReaderTest, AnErrorObjectInADataEventIsAnUpstreamError) {
    ChatStreamReader reader;
    const Outcome out = read_all(reader, {R"(data: {"error":{"message":"context overflow"}})"
                                          "\n\n"});
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->code, "upstream_error");
    EXPECT_NE(out.error->message.find("context overflow"), std::string::npos) << out.error->message;
}

TEST(ChatStreamReaderTest, ReadsANonStreamedCompletion) {
    ChatStreamReader reader;
    const Outcome out = read_all(
        reader, {R"({"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"whole )",
                 R"(answer"},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"completion_tokens":2}})"});
    EXPECT_EQ(out.texts, (std::vector<std::string>{"whole answer"}));
    EXPECT_TRUE(out.done);
    EXPECT_EQ(reader.finish_reason(), "length");
    EXPECT_EQ(reader.prompt_tokens(), 9);
    EXPECT_EQ(reader.completion_tokens(), 2);
}

TEST(ChatStreamReaderTest, KeepsABodyThatIsNoStreamForErrorMessages) {
    ChatStreamReader reader;
    const std::string body = R"({"error":{"message":"model not found"}})";
    reader.push(body.substr(0, 10));
    reader.push(body.substr(10));
    EXPECT_EQ(reader.unstreamed_body(), body);
}

TEST(ChatStreamReaderTest, ABodyThatIsNeitherStreamNorJsonIsAProtocolError) {
    ChatStreamReader reader;
    const Outcome out = read_all(reader, {"<html>Bad Gateway</html>"});
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->code, "upstream_protocol");
}

TEST(ChatStreamReaderTest, NothingAfterTheEnd) {
    ChatStreamReader reader;
    read_all(reader, {piece("a"), kDone}, /*end=*/false);
    const auto more = reader.push(piece("b"));
    EXPECT_TRUE(more.text.empty());
    EXPECT_FALSE(more.done);
    EXPECT_FALSE(reader.finish().done);
    EXPECT_EQ(reader.text(), "a");
}

TEST(ChatStreamReaderTest, ContentNullAndEmptyChoicesAreNotText) {
    ChatStreamReader reader;
    const Outcome out = read_all(reader, {kOpener, kUsage, piece(""), kDone});
    EXPECT_TRUE(out.texts.empty());
    EXPECT_TRUE(out.done);
    EXPECT_EQ(reader.pieces(), 0);
}

}  // namespace
}  // namespace vg::engine
