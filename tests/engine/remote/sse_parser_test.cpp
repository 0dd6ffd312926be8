#include "engine/remote/sse_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vg::engine {
namespace {

// type + '|' + data, so one comparison covers both.
std::vector<std::string> flatten(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& event : events) out.push_back(event.type + "|" + event.data);
    return out;
}

std::vector<std::string> parse_whole(std::string_view body) {
    SseParser parser;
    auto events = parser.push(body);
    auto tail = parser.finish();
    events.insert(events.end(), tail.begin(), tail.end());
    return flatten(events);
}

std::vector<std::string> parse_in_pieces(std::string_view body, std::size_t piece) {
    SseParser parser;
    std::vector<SseEvent> events;
    for (std::size_t pos = 0; pos < body.size(); pos += piece) {
        auto got = parser.push(body.substr(pos, piece));
        events.insert(events.end(), got.begin(), got.end());
    }
    auto tail = parser.finish();
    events.insert(events.end(), tail.begin(), tail.end());
    return flatten(events);
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SseParserTest, SplitsEventsAtBlankLines) {
    EXPECT_THAT(parse_whole("data: one\n\ndata: two\n\n"), ElementsAre("message|one", "message|two"));
}

TEST(SseParserTest, JoinsDataLinesOfOneEventWithNewlines) {
    EXPECT_THAT(parse_whole("data: first\ndata: second\n\n"), ElementsAre("message|first\nsecond"));
}

TEST(SseParserTest, AcceptsLfCrLfAndCrLineEnds) {
    EXPECT_THAT(parse_whole("data: a\r\n\r\ndata: b\r\rdata: c\n\n"),
                ElementsAre("message|a", "message|b", "message|c"));
}

TEST(SseParserTest, IgnoresCommentsAndUnknownFields) {
    EXPECT_THAT(parse_whole(": ping\n\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\n"), ElementsAre("message|x"));
}

TEST(SseParserTest, StripsOneLeadingSpaceOnly) {
    EXPECT_THAT(parse_whole("data:x\n\ndata:  y\n\n"), ElementsAre("message|x", "message| y"));
}

TEST(SseParserTest, DataWithoutColonIsAnEmptyLine) {
    EXPECT_THAT(parse_whole("data\n\n"), ElementsAre("message|"));
}

TEST(SseParserTest, DropsEventsWithoutData) {
    EXPECT_THAT(parse_whole("event: ping\n\n\n\n"), IsEmpty());
}

TEST(SseParserTest, EventFieldSetsTheTypeOfThatEventOnly) {
    EXPECT_THAT(parse_whole("event: error\ndata: bad\n\ndata: fine\n\n"), ElementsAre("error|bad", "message|fine"));
}

TEST(SseParserTest, LlamaServerErrorLineBecomesAnErrorEvent) {
    EXPECT_THAT(parse_whole("error: {\"code\":500}\n\n"), ElementsAre("error|{\"code\":500}"));
}

TEST(SseParserTest, SameEventsWhateverTheChunking) {
    const std::string body =
        "\xEF\xBB\xBF: hi\r\ndata: {\"c\":\"\xE5\x95\x86\xE5\x93\x81\"}\r\n\r\nevent: x\rdata: 2\r\r"
        "data: [DONE]\n\n";
    const std::vector<std::string> want{"message|{\"c\":\"\xE5\x95\x86\xE5\x93\x81\"}", "x|2", "message|[DONE]"};
    for (std::size_t piece = 1; piece <= body.size(); ++piece) {
        EXPECT_EQ(parse_in_pieces(body, piece), want) << "pieces of " << piece << " bytes";
    }
}

TEST(SseParserTest, CrLfSplitBetweenChunksIsOneLineEnd) {
    // Were the LF taken for a second, empty line, "a" and "b" would become two events.
    SseParser parser;
    EXPECT_THAT(parser.push("data: a\r"), IsEmpty());
    EXPECT_THAT(flatten(parser.push("\ndata: b\r\n\r\n")), ElementsAre("message|a\nb"));
}

TEST(SseParserTest, StripsAByteOrderMarkOnlyAtTheStart) {
    EXPECT_THAT(parse_whole("\xEF\xBB\xBF"
                            "data: a\n\n"),
                ElementsAre("message|a"));
    EXPECT_THAT(parse_whole("data: \xEF\xBB\xBF"
                            "a\n\n"),
                ElementsAre("message|\xEF\xBB\xBF"
                            "a"));
}

TEST(SseParserTest, FinishDispatchesAnUnterminatedEventButNotAnIncompleteLine) {
    EXPECT_THAT(parse_whole("data: a\n"), ElementsAre("message|a"));
    EXPECT_THAT(parse_whole("data: a\n\ndata: partial"), ElementsAre("message|a"));
}

TEST(SseParserTest, KeepsIncompleteLinesUntilTheyEnd) {
    SseParser parser;
    EXPECT_THAT(parser.push("da"), IsEmpty());
    EXPECT_THAT(parser.push("ta: hel"), IsEmpty());
    EXPECT_THAT(parser.push("lo\n"), IsEmpty());
    EXPECT_THAT(flatten(parser.push("\n")), ElementsAre("message|hello"));
}

TEST(SseParserTest, FailsOnALineOverTheLimit) {
    SseParser parser(8);
    EXPECT_THAT(flatten(parser.push("data: 1\n\ndata: 123456")), ElementsAre("message|1"));
    EXPECT_TRUE(parser.failed());
    EXPECT_THAT(parser.push("\n\n"), IsEmpty());
    EXPECT_THAT(parser.finish(), IsEmpty());
}

TEST(SseParserTest, FailsOnALongLineArrivingWhole) {
    SseParser parser(8);
    EXPECT_THAT(parser.push("data: 123456789\n\n"), IsEmpty());
    EXPECT_TRUE(parser.failed());
}

}  // namespace
}  // namespace vg::engine
