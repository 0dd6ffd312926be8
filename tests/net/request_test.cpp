#include "net/request.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vg::net {
namespace {

using namespace std::string_literals;

// --- percent_decode -------------------------------------------------------------------------------

TEST(PercentDecodeTest, DecodesEscapesInEitherCase) {
    EXPECT_EQ(percent_decode("%41%62c"), "Abc");
    EXPECT_EQ(percent_decode("a%2fb%2Fc"), "a/b/c");
    EXPECT_EQ(percent_decode("%e2%82%ac"), "\xe2\x82\xac");
    EXPECT_EQ(percent_decode("nul%00byte"), "nul\0byte"s);
}

TEST(PercentDecodeTest, PlusIsSpaceOnlyWhenAsked) {
    EXPECT_EQ(percent_decode("a+b"), "a+b");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(PercentDecodeTest, InvalidEscapesAreKeptLiterally) {
    EXPECT_EQ(percent_decode("%zz"), "%zz");
    EXPECT_EQ(percent_decode("%4"), "%4");
    EXPECT_EQ(percent_decode("%"), "%");
    EXPECT_EQ(percent_decode("100%"), "100%");
    EXPECT_EQ(percent_decode("%g1%41"), "%g1A");
    EXPECT_EQ(percent_decode("%%41"), "%A");
    EXPECT_EQ(percent_decode("ab%4"), "ab%4");
}

TEST(PercentDecodeTest, EscapeAtTheVeryEndIsDecoded) {
    EXPECT_EQ(percent_decode("x%41"), "xA");
    EXPECT_EQ(percent_decode("%41"), "A");
}

// --- Request --------------------------------------------------------------------------------------

Request with_query(std::string query) {
    Request request;
    request.query = std::move(query);
    return request;
}

TEST(RequestTest, QueryParamDecodesPlusAndEscapes) {
    Request request = with_query("a=1&b=hello+world&c=%2Fx%26y%3D&d=50%25");
    EXPECT_EQ(request.query_param("a"), "1");
    EXPECT_EQ(request.query_param("b"), "hello world");
    EXPECT_EQ(request.query_param("c"), "/x&y=");
    EXPECT_EQ(request.query_param("d"), "50%");
}

TEST(RequestTest, QueryParamAbsentOrEmpty) {
    Request request = with_query("flag&empty=&x=1");
    EXPECT_EQ(request.query_param("flag"), std::optional<std::string>(""));
    EXPECT_EQ(request.query_param("empty"), std::optional<std::string>(""));
    EXPECT_EQ(request.query_param("missing"), std::nullopt);
    EXPECT_EQ(request.query_param("fla"), std::nullopt);
    EXPECT_EQ(with_query("").query_param("a"), std::nullopt);
}

TEST(RequestTest, QueryParamNameIsDecodedToo) {
    Request request = with_query("my+key=1&other%20key=2");
    EXPECT_EQ(request.query_param("my key"), "1");
    EXPECT_EQ(request.query_param("other key"), "2");
}

TEST(RequestTest, QueryParamFirstOccurrenceWins) {
    Request request = with_query("a=1&a=2");
    EXPECT_EQ(request.query_param("a"), "1");
}

TEST(RequestTest, QueryParamSkipsEmptyPairs) {
    Request request = with_query("&&a=1&");
    EXPECT_EQ(request.query_param("a"), "1");
}

TEST(RequestTest, ContentTypeIsLowercasedWithoutParameters) {
    Request request;
    request.headers.add("content-type", "Application/JSON; charset=UTF-8");
    EXPECT_EQ(request.content_type(), "application/json");
}

TEST(RequestTest, ContentTypeWithoutParametersAndSpaces) {
    Request request;
    request.headers.add("Content-Type", "  multipart/Form-Data ;boundary=X");
    EXPECT_EQ(request.content_type(), "multipart/form-data");
    EXPECT_EQ(Request{}.content_type(), "");
}

TEST(RequestTest, HeaderLookupIsCaseInsensitive) {
    Request request;
    request.headers.add("X-Request-Id", "abc");
    EXPECT_EQ(request.header("x-request-id"), "abc");
    EXPECT_EQ(request.header("missing"), "");
}

// --- Response -------------------------------------------------------------------------------------

TEST(ResponseTest, JsonSetsStatusTypeAndBody) {
    Response response = Response::json(201, nlohmann::json{{"id", 7}});
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.headers.get_or("Content-Type", ""), "application/json");
    EXPECT_EQ(response.body, R"({"id":7})");
}

TEST(ResponseTest, JsonReplacesInvalidUtf8) {
    Response response = Response::json(200, nlohmann::json{{"text", "bad \xff"}});
    nlohmann::json body;
    ASSERT_NO_THROW(body = nlohmann::json::parse(response.body)) << response.body;
    EXPECT_EQ(body["text"], "bad \xEF\xBF\xBD");
}

TEST(ResponseTest, TextDefaultsToUtf8PlainText) {
    Response response = Response::text(404, "nope");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, "nope");
    EXPECT_EQ(response.headers.get_or("Content-Type", ""), "text/plain; charset=utf-8");
    EXPECT_EQ(Response::text(200, "", "text/csv").headers.get_or("content-type", ""), "text/csv");
}

// Records what a handler answered.
class RecordingExchange : public Exchange {
public:
    void respond(Response response) override { responses.push_back(std::move(response)); }
    std::shared_ptr<ResponseStream> stream(int, Headers) override { return nullptr; }
    void on_cancel(std::function<void()>) override {}
    bool cancelled() const override { return false; }

    std::vector<Response> responses;
};

TEST(SyncHandlerTest, RespondsOnceWithTheHandlersResponse) {
    Handler handler = sync_handler([](Request& request) { return Response::text(200, "hi " + request.path); });
    auto exchange = std::make_shared<RecordingExchange>();
    Request request;
    request.path = "/x";
    handler(request, exchange);
    ASSERT_EQ(exchange->responses.size(), 1u);
    EXPECT_EQ(exchange->responses[0].body, "hi /x");
}

}  // namespace
}  // namespace vg::net

namespace vg::net {
namespace {

TEST(PropagateContextTest, OutgoingCallKeepsTheTraceWithANewSpanAndTheRequestId) {
    Request request;
    request.trace = *obs::TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    request.request_id = "req-1";
    Headers outgoing;
    propagate_context(request, outgoing);
    auto sent = obs::TraceContext::parse(outgoing.get_or("traceparent", ""));
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_NE(sent->span_id, "00f067aa0ba902b7");
    EXPECT_EQ(sent->flags, "01");
    EXPECT_EQ(outgoing.get_or("X-Request-Id", ""), "req-1");
}

}  // namespace
}  // namespace vg::net

namespace vg::net {
namespace {

TEST(TraceContextOfRequestTest, StartsATraceOnceWhenTheClientSentNone) {
    Request request;
    EXPECT_TRUE(request.trace.trace_id.empty());
    std::string first = request.trace_id();
    EXPECT_EQ(first.size(), 32u);
    EXPECT_EQ(request.trace_id(), first) << "the same trace for the whole request";
    Headers outgoing;
    propagate_context(request, outgoing);
    EXPECT_EQ(obs::TraceContext::parse(outgoing.get_or("traceparent", ""))->trace_id, first);
}

}  // namespace
}  // namespace vg::net
