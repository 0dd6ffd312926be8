#include "net/detail/response_writer.hpp"

#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vg::net::detail {
namespace {

using namespace std::string_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// A serialised response taken apart the way a client would: status line, header lines, body.
struct Parsed {
    std::string status_line;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::vector<std::string> values(const std::string& name) const {
        std::vector<std::string> out;
        for (const auto& [key, value] : headers) {
            if (iequals(key, name)) out.push_back(value);
        }
        return out;
    }
};

Parsed parse(const std::string& wire) {
    Parsed parsed;
    auto head_end = wire.find("\r\n\r\n");
    EXPECT_NE(head_end, std::string::npos) << "no end of head";
    if (head_end == std::string::npos) return parsed;
    std::string head = wire.substr(0, head_end + 2);
    parsed.body = wire.substr(head_end + 4);
    std::size_t pos = 0;
    bool first = true;
    while (pos < head.size()) {
        auto eol = head.find("\r\n", pos);
        std::string line = head.substr(pos, eol - pos);
        pos = eol + 2;
        EXPECT_EQ(line.find('\r'), std::string::npos) << "bare CR in " << line;
        EXPECT_EQ(line.find('\n'), std::string::npos) << "bare LF in " << line;
        if (first) {
            parsed.status_line = line;
            first = false;
            continue;
        }
        auto colon = line.find(": ");
        EXPECT_NE(colon, std::string::npos) << "malformed header line " << line;
        if (colon == std::string::npos) continue;
        parsed.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    return parsed;
}

Response text_response(int status, std::string body) {
    Response response;
    response.status = status;
    response.headers.add("Content-Type", "text/plain");
    response.body = std::move(body);
    return response;
}

TEST(SerializeResponseTest, StatusLineHeadersAndBody) {
    std::string wire = serialize_response(text_response(200, "hello"), "req-1", true);
    Parsed parsed = parse(wire);
    EXPECT_EQ(parsed.status_line, "HTTP/1.1 200 OK");
    EXPECT_THAT(parsed.values("Content-Type"), ElementsAre("text/plain"));
    EXPECT_THAT(parsed.values("Content-Length"), ElementsAre("5"));
    EXPECT_THAT(parsed.values("X-Request-Id"), ElementsAre("req-1"));
    EXPECT_THAT(parsed.values("Server"), ElementsAre("visiongrid"));
    EXPECT_THAT(parsed.values("Transfer-Encoding"), IsEmpty());
    EXPECT_EQ(parsed.body, "hello");
}

TEST(SerializeResponseTest, ReasonPhrases) {
    EXPECT_THAT(serialize_response(text_response(404, ""), "", true), StartsWith("HTTP/1.1 404 Not Found\r\n"));
    EXPECT_THAT(serialize_response(text_response(405, ""), "", true), StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
    EXPECT_THAT(serialize_response(text_response(413, ""), "", true), StartsWith("HTTP/1.1 413 Payload Too Large\r\n"));
    EXPECT_THAT(serialize_response(text_response(503, ""), "", true),
                StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
    EXPECT_THAT(serialize_response(text_response(299, ""), "", true), StartsWith("HTTP/1.1 299 "));
}

TEST(SerializeResponseTest, DateHeaderIsImfFixdate) {
    Parsed parsed = parse(serialize_response(text_response(200, ""), "", true));
    auto dates = parsed.values("Date");
    ASSERT_EQ(dates.size(), 1u);
    EXPECT_TRUE(std::regex_match(dates[0], std::regex(R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT)")))
        << dates[0];
}

TEST(SerializeResponseTest, ContentLengthCountsBinaryBodies) {
    const std::string body = "a\r\n\r\nb\0c\xff"s;
    Parsed parsed = parse(serialize_response(text_response(200, body), "r", true));
    EXPECT_THAT(parsed.values("Content-Length"), ElementsAre(std::to_string(body.size())));
    EXPECT_EQ(parsed.body, body);
}

TEST(SerializeResponseTest, EmptyBodyHasZeroContentLength) {
    std::string wire = serialize_response(text_response(204, ""), "r", true);
    Parsed parsed = parse(wire);
    EXPECT_THAT(parsed.values("Content-Length"), ElementsAre("0"));
    EXPECT_EQ(parsed.body, "");
    EXPECT_TRUE(wire.ends_with("\r\n\r\n"));
}

TEST(SerializeResponseTest, ConnectionCloseOnlyWithoutKeepAlive) {
    EXPECT_THAT(parse(serialize_response(text_response(200, "x"), "r", true)).values("Connection"), IsEmpty());
    EXPECT_THAT(parse(serialize_response(text_response(200, "x"), "r", false)).values("Connection"),
                ElementsAre("close"));
}

TEST(SerializeResponseTest, NoRequestIdHeaderWhenEmpty) {
    EXPECT_THAT(parse(serialize_response(text_response(200, "x"), "", true)).values("X-Request-Id"), IsEmpty());
}

TEST(SerializeResponseTest, FramingHeadersFromTheHandlerAreReplaced) {
    Response response = text_response(200, "abc");
    response.headers.add("Content-Length", "999");
    response.headers.add("transfer-encoding", "chunked");
    response.headers.add("Connection", "keep-alive");
    Parsed parsed = parse(serialize_response(response, "r", false));
    EXPECT_THAT(parsed.values("Content-Length"), ElementsAre("3"));
    EXPECT_THAT(parsed.values("Transfer-Encoding"), IsEmpty());
    EXPECT_THAT(parsed.values("Connection"), ElementsAre("close"));
    EXPECT_EQ(parsed.body, "abc");
}

TEST(SerializeResponseTest, CrLfInAHeaderValueCannotInjectAHeader) {
    Response response = text_response(200, "ok");
    response.headers.add("X-Echo", "value\r\nSet-Cookie: session=stolen");
    response.headers.add("X-Lf", "a\nX-Injected: 1");
    response.headers.add("X-Split", "a\r\n\r\n<html>");
    Parsed parsed = parse(serialize_response(response, "r", true));
    EXPECT_THAT(parsed.values("Set-Cookie"), IsEmpty());
    EXPECT_THAT(parsed.values("X-Injected"), IsEmpty());
    ASSERT_EQ(parsed.values("X-Echo").size(), 1u);
    EXPECT_THAT(parsed.values("X-Echo")[0], ::testing::HasSubstr("value"));
    EXPECT_EQ(parsed.body, "ok");
    EXPECT_THAT(parsed.values("Content-Length"), ElementsAre("2"));
}

TEST(SerializeResponseTest, HeaderNamesWithCrLfOrColonAreDropped) {
    Response response = text_response(200, "ok");
    response.headers.add("X-Bad\r\nSet-Cookie", "x");
    response.headers.add("X-Bad: y", "z");
    Parsed parsed = parse(serialize_response(response, "r", true));
    EXPECT_THAT(parsed.values("Set-Cookie"), IsEmpty());
    for (const auto& [name, value] : parsed.headers) {
        EXPECT_EQ(name.find("X-Bad"), std::string::npos) << name << ": " << value;
    }
    EXPECT_EQ(parsed.body, "ok");
}

TEST(SerializeHeadTest, WithoutABodyItIsChunked) {
    Headers headers;
    headers.add("Content-Type", "text/event-stream");
    std::string head = serialize_head(200, headers, "r", true, nullptr);
    EXPECT_TRUE(head.ends_with("\r\n\r\n"));
    Parsed parsed = parse(head);
    EXPECT_THAT(parsed.values("Transfer-Encoding"), ElementsAre("chunked"));
    EXPECT_THAT(parsed.values("Content-Length"), IsEmpty());
    EXPECT_THAT(parsed.values("Content-Type"), ElementsAre("text/event-stream"));
    EXPECT_EQ(parsed.body, "");
}

TEST(SerializeChunkTest, HexSizeLineDataAndCrlf) {
    EXPECT_EQ(serialize_chunk("hello"), "5\r\nhello\r\n");
    EXPECT_EQ(serialize_chunk(std::string(26, 'z')), "1a\r\n" + std::string(26, 'z') + "\r\n");
    EXPECT_EQ(serialize_chunk(std::string(4096, 'q')), "1000\r\n" + std::string(4096, 'q') + "\r\n");
    EXPECT_EQ(serialize_chunk("a\r\nb"), "4\r\na\r\nb\r\n");
}

TEST(SerializeChunkTest, EmptyDataYieldsNothingAndTheTerminatorIsSeparate) {
    EXPECT_EQ(serialize_chunk(""), "");
    EXPECT_EQ(kLastChunk, "0\r\n\r\n");
}

TEST(AcceptableRequestIdTest, AcceptsTheAllowedAlphabet) {
    EXPECT_TRUE(acceptable_request_id("abc-123_X.y:z"));
    EXPECT_TRUE(acceptable_request_id("0"));
    EXPECT_TRUE(acceptable_request_id(std::string(128, 'a')));
}

TEST(AcceptableRequestIdTest, RejectsEmptyLongAndOtherCharacters) {
    EXPECT_FALSE(acceptable_request_id(""));
    EXPECT_FALSE(acceptable_request_id(std::string(129, 'a')));
    EXPECT_FALSE(acceptable_request_id("has space"));
    EXPECT_FALSE(acceptable_request_id("a/b"));
    EXPECT_FALSE(acceptable_request_id("a\r\nX-Evil: 1"));
    EXPECT_FALSE(acceptable_request_id("caf\xc3\xa9"));
    EXPECT_FALSE(acceptable_request_id("a\"b"));
    EXPECT_FALSE(acceptable_request_id("nul\0"s));
}

}  // namespace
}  // namespace vg::net::detail
