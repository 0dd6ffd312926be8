#include "engine/remote/remote_engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <vips/vips8>

#include "engine/remote/inference_recorder.hpp"
#include "engine/text/utf8_stream.hpp"
#include "image/data_uri.hpp"
#include "image/image_library.hpp"
#include "support/fake_openai_server.hpp"

namespace vg::engine {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::FakeOpenAiServer;
using test::Gate;
using test::InferenceRecorder;
using test::OpenAiReply;
using ::testing::HasSubstr;

const std::string kShop = "\xE5\x95\x86\xE5\x93\x81";  // 商品

std::shared_ptr<const ModelImage> checkered(int width, int height, std::uint8_t seed) {
    auto image = std::make_shared<ModelImage>();
    image->width = width;
    image->height = height;
    for (int i = 0; i < width * height; ++i) {
        image->rgb.push_back(static_cast<std::uint8_t>(seed + i * 7));
        image->rgb.push_back(static_cast<std::uint8_t>(255 - i));
        image->rgb.push_back(static_cast<std::uint8_t>((i % 2) * 255));
    }
    return image;
}

// Pixels, width and height of a data:image/png URI, decoded by libvips directly.
struct Pixels {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;
};
Pixels decode_png_uri(const std::string& uri) {
    image::init_image_library();
    const std::string png = image::decode_data_uri(uri).data;
    const vips::VImage decoded = vips::VImage::new_from_buffer(png.data(), png.size(), "");
    Pixels out{decoded.width(), decoded.height(), {}};
    std::size_t size = 0;
    void* memory = decoded.write_to_memory(&size);
    out.rgb.assign(static_cast<const std::uint8_t*>(memory), static_cast<const std::uint8_t*>(memory) + size);
    g_free(memory);
    return out;
}

InferenceRequest text_request(std::string text = "hello") {
    InferenceRequest request;
    request.messages = {{"user", std::move(text)}};
    request.request_id = "req-test";
    return request;
}

class RemoteEngineTest : public ::testing::Test {
protected:
    RemoteEngineConfig config() const {
        RemoteEngineConfig config;
        config.url = server_.base_url();
        return config;
    }
    RemoteEngine& engine() {
        if (!engine_) engine_ = std::make_unique<RemoteEngine>(config(), Logger());
        return *engine_;
    }
    RemoteEngine& engine(const RemoteEngineConfig& config) {
        engine_ = std::make_unique<RemoteEngine>(config, Logger());
        return *engine_;
    }
    // Runs `request` against `reply` and returns the error it ended with (failing the test if it succeeded).
    InferenceError error_for(OpenAiReply reply, InferenceRequest request = text_request()) {
        server_.push(std::move(reply));
        InferenceRecorder recorder;
        engine().submit(std::move(request), recorder.callbacks());
        EXPECT_TRUE(recorder.wait_for_end());
        if (!recorder.error()) {
            ADD_FAILURE() << "expected an error, got text '" << recorder.text() << "'";
            return {};
        }
        return *recorder.error();
    }

    FakeOpenAiServer server_;
    std::unique_ptr<RemoteEngine> engine_;  // after server_: destroyed first
};

// --- streaming ------------------------------------------------------------------------------------------------

TEST_F(RemoteEngineTest, TextArrivesAsItStreamsAndTheResultConcatenatesIt) {
    auto gate = std::make_shared<Gate>();
    server_.push(OpenAiReply::stream({"Hel", "lo ", kShop, "!"}).with_usage(30, 4).hold_after(1, gate));
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());

    // The upstream has sent one piece and waits: it must already have reached us.
    ASSERT_TRUE(recorder.wait_for_pieces(1));
    EXPECT_EQ(recorder.pieces().front(), "Hel");
    EXPECT_EQ(recorder.ends(), 0);
    gate->open();

    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.result()) << recorder.error()->message;
    EXPECT_EQ(recorder.text(), "Hello " + kShop + "!");
    EXPECT_EQ(recorder.result()->text, "Hello " + kShop + "!");
    EXPECT_EQ(recorder.result()->finish_reason, "stop");
    EXPECT_EQ(recorder.result()->usage.prompt_tokens, 30);
    EXPECT_EQ(recorder.result()->usage.completion_tokens, 4);
    engine_.reset();
    EXPECT_EQ(recorder.ends(), 1);
    EXPECT_FALSE(recorder.text_after_end());
}

TEST_F(RemoteEngineTest, WholeCharactersOnlyWhenTheStreamIsCutEveryByte) {
    server_.push(OpenAiReply::stream({kShop, "\xE3\x81\xAF", "good"}).split_every(1));
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.result()) << recorder.error()->message;
    EXPECT_EQ(recorder.result()->text, kShop +
                                           "\xE3\x81\xAF"
                                           "good");
    for (const auto& piece : recorder.pieces()) EXPECT_TRUE(is_valid_utf8(piece)) << piece;
}

TEST_F(RemoteEngineTest, LengthFinishReasonIsKept) {
    server_.push(OpenAiReply::stream({"a"}).with_finish_reason("length"));
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.result());
    EXPECT_EQ(recorder.result()->finish_reason, "length");
}

TEST_F(RemoteEngineTest, AcceptsANonStreamedAnswer) {
    server_.push(OpenAiReply::complete("all at once " + kShop).with_usage(5, 4));
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.result()) << recorder.error()->message;
    EXPECT_EQ(recorder.text(), "all at once " + kShop);
    EXPECT_EQ(recorder.result()->usage.completion_tokens, 4);
}

// --- what goes on the wire ------------------------------------------------------------------------------------

TEST_F(RemoteEngineTest, SendsMessagesImagesSamplingAndHeaders) {
    RemoteEngineConfig cfg = config();
    cfg.api_key = "sk-secret";
    cfg.model = "qwen3-vl-8b";
    engine(cfg);

    const auto first = checkered(5, 3, 10);
    const auto second = checkered(2, 4, 99);
    InferenceRequest request;
    request.messages = {{"system", "be brief"}, {"user", "Compare <__media__> and <__media__>."}};
    request.images = {first, second};
    request.sampling.temperature = 0.2;
    request.sampling.top_p = 0.9;
    request.sampling.top_k = 5;
    request.sampling.max_tokens = 77;
    request.sampling.seed = 42;
    request.sampling.stop = {"END"};
    request.request_id = "req-wire-1";
    InferenceRecorder recorder;
    engine().submit(std::move(request), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.result()) << recorder.error()->message;

    const auto requests = server_.requests();
    ASSERT_EQ(requests.size(), 1u);
    const auto& sent = requests.front();
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.target, "/v1/chat/completions");
    EXPECT_EQ(sent.headers.get_or("Authorization", ""), "Bearer sk-secret");
    EXPECT_EQ(sent.headers.get_or("X-Request-Id", ""), "req-wire-1");
    EXPECT_EQ(sent.headers.get_or("Content-Type", ""), "application/json");
    ASSERT_FALSE(sent.json.is_discarded()) << sent.body.substr(0, 200);

    const json& body = sent.json;
    EXPECT_EQ(body["model"], "qwen3-vl-8b");
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["temperature"], 0.2);
    EXPECT_EQ(body["top_p"], 0.9);
    EXPECT_EQ(body["top_k"], 5);
    EXPECT_EQ(body["max_tokens"], 77);
    EXPECT_EQ(body["seed"], 42);
    EXPECT_EQ(body["stop"], json::array({"END"}));
    EXPECT_FALSE(body.contains("grammar"));
    EXPECT_FALSE(body.contains("response_format"));

    ASSERT_EQ(body["messages"].size(), 2u);
    EXPECT_EQ(body["messages"][0], json::parse(R"({"role":"system","content":"be brief"})"));
    const json& parts = body["messages"][1]["content"];
    EXPECT_EQ(body["messages"][1]["role"], "user");
    ASSERT_EQ(parts.size(), 5u) << parts.dump().substr(0, 300);
    EXPECT_EQ(parts[0], json::parse(R"({"type":"text","text":"Compare "})"));
    EXPECT_EQ(parts[1]["type"], "image_url");
    EXPECT_EQ(parts[2], json::parse(R"({"type":"text","text":" and "})"));
    EXPECT_EQ(parts[3]["type"], "image_url");
    EXPECT_EQ(parts[4], json::parse(R"({"type":"text","text":"."})"));

    const std::string first_url = parts[1]["image_url"]["url"];
    const std::string second_url = parts[3]["image_url"]["url"];
    EXPECT_TRUE(first_url.starts_with("data:image/png;base64,"));
    const Pixels first_sent = decode_png_uri(first_url);
    EXPECT_EQ(first_sent.width, 5);
    EXPECT_EQ(first_sent.height, 3);
    EXPECT_EQ(first_sent.rgb, first->rgb);
    const Pixels second_sent = decode_png_uri(second_url);
    EXPECT_EQ(second_sent.width, 2);
    EXPECT_EQ(second_sent.height, 4);
    EXPECT_EQ(second_sent.rgb, second->rgb);
}

TEST_F(RemoteEngineTest, SchemaGoesAsResponseFormat) {
    InferenceRequest request = text_request();
    request.sampling.json_schema = R"({"type":"object","properties":{"price":{"type":"number"}},"required":["price"]})";
    request.sampling.grammar = "root ::= object";
    InferenceRecorder recorder;
    engine().submit(std::move(request), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    const json body = server_.requests().at(0).json;
    EXPECT_EQ(body["response_format"], json::parse(R"({"type":"json_schema","json_schema":{"name":"result",
        "schema":{"type":"object","properties":{"price":{"type":"number"}},"required":["price"]}}})"));
    EXPECT_FALSE(body.contains("grammar"));
}

TEST_F(RemoteEngineTest, GrammarAloneGoesAsGrammar) {
    InferenceRequest request = text_request();
    request.sampling.grammar = "root ::= \"a\"";
    InferenceRecorder recorder;
    engine().submit(std::move(request), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    const json body = server_.requests().at(0).json;
    EXPECT_EQ(body["grammar"], "root ::= \"a\"");
    EXPECT_FALSE(body.contains("response_format"));
}

TEST_F(RemoteEngineTest, NoModelNoKeyMeansNeitherIsSent) {
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    const auto sent = server_.requests().at(0);
    EXPECT_FALSE(sent.json.contains("model"));
    EXPECT_FALSE(sent.headers.contains("Authorization"));
    EXPECT_EQ(engine().model_name(), "remote");
}

TEST_F(RemoteEngineTest, ABaseUrlWithATrailingSlashStillHitsTheEndpoint) {
    RemoteEngineConfig cfg = config();
    cfg.url += "/";
    engine(cfg);
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    EXPECT_TRUE(recorder.result());
    EXPECT_EQ(server_.requests().at(0).target, "/v1/chat/completions");
}

// --- errors ---------------------------------------------------------------------------------------------------

TEST_F(RemoteEngineTest, UpstreamRejectionIsA400WithTheUpstreamMessage) {
    for (int status : {400, 422}) {
        const InferenceError error = error_for(OpenAiReply::error(status, "image has too many pixels"));
        EXPECT_EQ(error.code, "upstream_rejected") << status;
        EXPECT_EQ(error.http_status, 400) << status;
        EXPECT_THAT(error.message, HasSubstr("image has too many pixels"));
    }
}

TEST_F(RemoteEngineTest, UpstreamBusyIsA503WithRetryAfter) {
    const InferenceError limited = error_for(OpenAiReply::error(429, "slow down").header("Retry-After", "7"));
    EXPECT_EQ(limited.code, "upstream_busy");
    EXPECT_EQ(limited.http_status, 503);
    EXPECT_EQ(limited.retry_after_seconds, 7);

    const InferenceError loading = error_for(OpenAiReply::error(503, "loading model"));
    EXPECT_EQ(loading.code, "upstream_busy");
    EXPECT_EQ(loading.http_status, 503);
    EXPECT_EQ(loading.retry_after_seconds, 1);
}

TEST_F(RemoteEngineTest, OtherUpstreamFailuresAre502) {
    for (int status : {500, 502, 401}) {
        const InferenceError error = error_for(OpenAiReply::error(status, "kaput"));
        EXPECT_EQ(error.code, "upstream_error") << status;
        EXPECT_EQ(error.http_status, 502) << status;
        EXPECT_THAT(error.message, HasSubstr("kaput"));
    }
}

TEST_F(RemoteEngineTest, MalformedStreamIsAProtocolError) {
    const InferenceError garbage = error_for(OpenAiReply::raw_events("data: {\"choices\": [oops\n\n"));
    EXPECT_EQ(garbage.code, "upstream_protocol");
    EXPECT_EQ(garbage.http_status, 502);
    EXPECT_TRUE(server_.wait_for_disconnects(1));  // nothing more worth reading on that connection

    const InferenceError truncated =
        error_for(OpenAiReply::raw_events(R"(data: {"choices":[{"delta":{"content":"x"}}]})"
                                          "\n\n"));
    EXPECT_EQ(truncated.code, "upstream_protocol");
}

TEST_F(RemoteEngineTest, ErrorInTheMiddleOfTheStreamIsAnUpstreamError) {
    const InferenceError error =
        error_for(OpenAiReply::raw_events(R"(data: {"choices":[{"delta":{"content":"x"}}]})"
                                          "\n\n"
                                          R"(error: {"code":500,"message":"KV cache full","type":"server_error"})"
                                          "\n\n"));
    EXPECT_EQ(error.code, "upstream_error");
    EXPECT_THAT(error.message, HasSubstr("KV cache full"));
}

TEST_F(RemoteEngineTest, ConnectionClosedMidStreamIsAnUpstreamError) {
    server_.push(OpenAiReply::stream({"one", "two", "three"}).close_after(1));
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "upstream_error");
    EXPECT_EQ(recorder.error()->http_status, 502);
    EXPECT_EQ(recorder.text(), "one");
}

TEST_F(RemoteEngineTest, RefusedConnectionIsUpstreamUnavailable) {
    test::FakeUpstream closed;
    RemoteEngineConfig cfg = config();
    cfg.url = closed.url("");
    closed.stop();  // nothing listens on that port any more
    engine(cfg);
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "upstream_unavailable");
    EXPECT_EQ(recorder.error()->http_status, 503);
    EXPECT_GE(recorder.error()->retry_after_seconds, 1);
}

TEST_F(RemoteEngineTest, ConnectTimeoutIsUpstreamUnavailable) {
    test::FullBacklogListener listener;
    RemoteEngineConfig cfg = config();
    cfg.url = "http://127.0.0.1:" + std::to_string(listener.port());
    cfg.connect_timeout = 100ms;
    engine(cfg);
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "upstream_unavailable");
}

TEST_F(RemoteEngineTest, EngineTimeoutIsUpstreamTimeout) {
    RemoteEngineConfig cfg = config();
    cfg.timeout = 200ms;
    engine(cfg);
    const InferenceError error = error_for(OpenAiReply::stall());
    EXPECT_EQ(error.code, "upstream_timeout");
    EXPECT_EQ(error.http_status, 504);
    EXPECT_THAT(error.message, HasSubstr("engine's timeout"));
}

TEST_F(RemoteEngineTest, RequestDeadlineIsUpstreamTimeoutAndHangsUp) {
    auto gate = std::make_shared<Gate>();
    InferenceRequest request = text_request();
    request.deadline = std::chrono::steady_clock::now() + 200ms;
    // Some text first: the deadline covers the whole answer, not just its start.
    const InferenceError error = error_for(OpenAiReply::stream({"partial"}).hold_after(1, gate), std::move(request));
    EXPECT_EQ(error.code, "upstream_timeout");
    EXPECT_EQ(error.http_status, 504);
    EXPECT_THAT(error.message, HasSubstr("deadline"));
    EXPECT_TRUE(server_.wait_for_disconnects(1));
    gate->open();
}

TEST_F(RemoteEngineTest, DeadlineAlreadyPassedSendsNothing) {
    InferenceRequest request = text_request();
    request.deadline = std::chrono::steady_clock::now() - 1ms;
    const InferenceError error = error_for(OpenAiReply::stream({"x"}), std::move(request));
    EXPECT_EQ(error.code, "upstream_timeout");
    EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(RemoteEngineTest, MarkerMismatchIsRejectedBeforeSending) {
    InferenceRequest request = text_request("two pictures: <__media__> <__media__>");
    request.images = {checkered(2, 2, 0)};
    const InferenceError error = error_for(OpenAiReply::stream({"x"}), std::move(request));
    EXPECT_EQ(error.code, "image_marker_mismatch");
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(RemoteEngineTest, BadSchemaIsRejectedBeforeSending) {
    InferenceRequest request = text_request();
    request.sampling.json_schema = "{\"type\":";
    const InferenceError error = error_for(OpenAiReply::stream({"x"}), std::move(request));
    EXPECT_EQ(error.code, "invalid_json_schema");
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(server_.request_count(), 0u);
}

// --- cancel ---------------------------------------------------------------------------------------------------

TEST_F(RemoteEngineTest, CancelMidStreamReportsCancelledAndClosesTheUpstreamConnection) {
    auto gate = std::make_shared<Gate>();
    server_.push(OpenAiReply::stream({"first", "second"}).hold_after(1, gate));
    InferenceRecorder recorder;
    auto handle = engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_pieces(1));
    EXPECT_EQ(server_.disconnects(), 0u);

    handle->cancel();
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "cancelled");
    EXPECT_EQ(recorder.error()->http_status, 499);
    EXPECT_TRUE(server_.wait_for_disconnects(1));

    handle->cancel();  // idempotent
    gate->open();      // the rest is written to a closed connection, or nowhere
    engine_.reset();
    EXPECT_EQ(recorder.ends(), 1);
    EXPECT_FALSE(recorder.text_after_end());
    EXPECT_EQ(recorder.text(), "first");
}

TEST_F(RemoteEngineTest, CancelBeforeTheUpstreamAnswers) {
    server_.push(OpenAiReply::stall());
    InferenceRecorder recorder;
    auto handle = engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(server_.wait_for_requests(1));
    handle->cancel();
    ASSERT_TRUE(recorder.wait_for_end());
    EXPECT_EQ(recorder.error()->code, "cancelled");
    EXPECT_TRUE(server_.wait_for_disconnects(1));
}

TEST_F(RemoteEngineTest, AHandleMayOutliveTheEngine) {
    InferenceRecorder recorder;
    auto handle = engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(recorder.wait_for_end());
    engine_.reset();
    handle->cancel();
    EXPECT_EQ(recorder.ends(), 1);
}

// --- load, lifetime, introspection ----------------------------------------------------------------------------

TEST_F(RemoteEngineTest, FiftyConcurrentRequestsAllComplete) {
    constexpr int kRequests = 50;
    // All are held at the upstream until every one has arrived: they really are in flight together.
    auto gate = std::make_shared<Gate>();
    server_.set_default(OpenAiReply::stream({"x", "y"}).after(gate));
    std::vector<std::unique_ptr<InferenceRecorder>> recorders;
    for (int i = 0; i < kRequests; ++i) {
        recorders.push_back(std::make_unique<InferenceRecorder>());
        InferenceRequest request = text_request("question " + std::to_string(i));
        request.request_id = "req-" + std::to_string(i);
        engine().submit(std::move(request), recorders.back()->callbacks());
    }
    ASSERT_TRUE(server_.wait_for_requests(kRequests));
    EXPECT_EQ(engine().info()["in_flight"], kRequests);
    gate->open();
    for (auto& recorder : recorders) {
        ASSERT_TRUE(recorder->wait_for_end());
        ASSERT_TRUE(recorder->result()) << recorder->error()->message;
        EXPECT_EQ(recorder->result()->text, "xy");
    }
    EXPECT_EQ(engine().info()["in_flight"], 0);
    std::vector<std::string> ids;
    for (const auto& sent : server_.requests()) ids.emplace_back(sent.headers.get_or("X-Request-Id", ""));
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::unique(ids.begin(), ids.end()) - ids.begin(), kRequests);
}

TEST_F(RemoteEngineTest, BeyondItsConnectionsAndQueueTheEngineIsSaturatedAndRefusesAtOnce) {
    auto gate = std::make_shared<Gate>();
    server_.set_default(OpenAiReply::stream({"x"}).after(gate));
    RemoteEngineConfig cfg = config();
    cfg.max_connections = 1;
    cfg.max_queue = 1;
    engine(cfg);
    InferenceRecorder sent, waiting, refused;
    engine().submit(text_request("one"), sent.callbacks());
    EXPECT_FALSE(engine().saturated());
    engine().submit(text_request("two"), waiting.callbacks());
    ASSERT_TRUE(server_.wait_for_requests(1));
    EXPECT_TRUE(engine().saturated()) << "one call upstream and one waiting for its connection";
    engine().submit(text_request("three"), refused.callbacks());
    ASSERT_TRUE(refused.wait_for_end());
    ASSERT_TRUE(refused.error());
    EXPECT_EQ(refused.error()->code, "upstream_busy");
    EXPECT_EQ(refused.error()->http_status, 503);
    EXPECT_GE(refused.error()->retry_after_seconds, 1);
    EXPECT_EQ(server_.request_count(), 1u);
    gate->open();
    for (auto* recorder : {&sent, &waiting}) {
        ASSERT_TRUE(recorder->wait_for_end());
        EXPECT_TRUE(recorder->result());
    }
    EXPECT_FALSE(engine().saturated());
}

TEST_F(RemoteEngineTest, DestroyingTheEngineEndsRequestsInFlight) {
    server_.push(OpenAiReply::stall());
    InferenceRecorder recorder;
    engine().submit(text_request(), recorder.callbacks());
    ASSERT_TRUE(server_.wait_for_requests(1));
    engine_.reset();
    EXPECT_EQ(recorder.ends(), 1);
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "upstream_unavailable");
    EXPECT_EQ(recorder.error()->http_status, 503);
}

TEST_F(RemoteEngineTest, InfoDescribesTheUpstream) {
    RemoteEngineConfig cfg = config();
    cfg.model = "qwen3-vl-2b";
    cfg.api_key = "sk-not-in-info";
    const json info = engine(cfg).info();
    EXPECT_EQ(info["engine"], "remote");
    EXPECT_EQ(info["upstream"], server_.base_url());
    EXPECT_EQ(info["model"], "qwen3-vl-2b");
    EXPECT_EQ(info["in_flight"], 0);
    EXPECT_EQ(info.dump().find("sk-not-in-info"), std::string::npos);
    EXPECT_EQ(engine().model_name(), "qwen3-vl-2b");
    EXPECT_TRUE(engine().ready());
}

TEST_F(RemoteEngineTest, ImageTokensFollowTheQwenPatchRule) {
    EXPECT_EQ(engine().image_tokens(640, 480), 300);  // 20 x 15
    EXPECT_EQ(engine().image_tokens(641, 481), 336);  // 21 x 16
    EXPECT_EQ(engine().image_tokens(32, 32), 8);      // 1, raised to the minimum
    EXPECT_EQ(engine().image_tokens(0, 0), 8);
    RemoteEngineConfig cfg = config();
    cfg.image_tokens_per_32px = 2;
    EXPECT_EQ(engine(cfg).image_tokens(640, 480), 600);
}

TEST_F(RemoteEngineTest, ABadUrlFailsConstruction) {
    RemoteEngineConfig cfg = config();
    cfg.url = "not a url";
    EXPECT_THROW(RemoteEngine(cfg, Logger()), std::invalid_argument);
}

}  // namespace
}  // namespace vg::engine
