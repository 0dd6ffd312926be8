#include "engine/remote/remote_call.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/remote/inference_recorder.hpp"
#include "support/fake_openai_server.hpp"

namespace vg::engine {
namespace {

using test::FakeOpenAiServer;
using test::Gate;
using test::InferenceRecorder;
using test::OpenAiReply;

// A RemoteCall needs only an HttpClient; the engine around it is left out here.
class RemoteCallTest : public ::testing::Test {
protected:
    RemoteCallTest() {
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    ~RemoteCallTest() override {
        client_.reset();
        work_.reset();
        for (auto& thread : threads_) thread.join();
    }

    std::shared_ptr<RemoteCall> make_call(InferenceRecorder& recorder,
                                          std::function<void(const std::string&)> on_text_hook = {}) {
        return std::make_shared<RemoteCall>(recorder.callbacks(std::move(on_text_hook)),
                                            RemoteCall::Context{"req-1", Logger(), state_, 16});
    }

    net::ClientRequest chat_request() {
        net::ClientRequest request;
        request.method = "POST";
        request.url = server_.base_url() + "/v1/chat/completions";
        request.body = R"({"messages":[]})";
        return request;
    }

    void start(const std::shared_ptr<RemoteCall>& call) {
        call->start(*client_, chat_request(), 2.5, "the test's limit");
    }

    FakeOpenAiServer server_;
    std::shared_ptr<RemoteEngineState> state_ = std::make_shared<RemoteEngineState>();
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    std::unique_ptr<net::HttpClient> client_ = std::make_unique<net::HttpClient>(io_, net::ClientConfig{});
    std::vector<std::thread> threads_;
};

TEST_F(RemoteCallTest, ReportsTheResultWithTimingsAndUsage) {
    server_.push(OpenAiReply::stream({"a", "b"}).with_usage(40, 2));
    InferenceRecorder recorder;
    start(make_call(recorder));
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.result()) << recorder.error()->message;
    const InferenceResult result = *recorder.result();
    EXPECT_EQ(result.text, "ab");
    EXPECT_EQ(result.usage.prompt_tokens, 40);
    EXPECT_EQ(result.usage.completion_tokens, 2);
    EXPECT_EQ(result.usage.image_tokens, 16);
    EXPECT_EQ(result.timings.queue_ms, 0);
    EXPECT_EQ(result.timings.image_encode_ms, 2.5);
    EXPECT_GE(result.timings.prefill_ms, 0);
    EXPECT_GE(result.timings.decode_ms, 0);
    EXPECT_EQ(state_->in_flight.load(), 0);
}

TEST_F(RemoteCallTest, EstimatesUsageWhenTheUpstreamSendsNone) {
    server_.push(OpenAiReply::stream({"a", "b", "c"}));
    InferenceRecorder recorder;
    start(make_call(recorder));
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.result());
    EXPECT_EQ(recorder.result()->usage.completion_tokens, 3);  // one per piece
    EXPECT_EQ(recorder.result()->usage.prompt_tokens, 16);     // the images we know of
}

TEST_F(RemoteCallTest, CountsItselfInFlightUntilItEnds) {
    auto gate = std::make_shared<Gate>();
    server_.push(OpenAiReply::stream({"a"}).after(gate));
    InferenceRecorder recorder;
    start(make_call(recorder));
    EXPECT_EQ(state_->in_flight.load(), 1);
    gate->open();
    ASSERT_TRUE(recorder.wait_for_end());
    EXPECT_EQ(state_->in_flight.load(), 0);
}

TEST_F(RemoteCallTest, FailBeforeStartReportsTheErrorOnce) {
    InferenceRecorder recorder;
    auto call = make_call(recorder);
    call->fail({"image_marker_mismatch", "no", 400, 0});
    call->cancel();
    ASSERT_TRUE(recorder.wait_for_end());
    EXPECT_EQ(recorder.error()->code, "image_marker_mismatch");
    EXPECT_EQ(recorder.ends(), 1);
    EXPECT_EQ(state_->in_flight.load(), 0);
}

TEST_F(RemoteCallTest, CancelFromInsideOnTextEndsTheCall) {
    auto gate = std::make_shared<Gate>();
    auto hold = std::make_shared<Gate>();
    server_.push(OpenAiReply::stream({"first", "second"}).after(gate).hold_after(1, hold));
    InferenceRecorder recorder;
    std::mutex mutex;
    std::shared_ptr<RemoteCall> call_to_cancel;
    auto self_cancel = [&](const std::string&) {
        std::lock_guard lock(mutex);
        call_to_cancel->cancel();
    };
    auto call = make_call(recorder, self_cancel);
    {
        std::lock_guard lock(mutex);
        call_to_cancel = call;
    }
    start(call);
    gate->open();  // only now can on_text run, with call_to_cancel set
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "cancelled");
    EXPECT_EQ(recorder.error()->http_status, 499);
    EXPECT_EQ(recorder.text(), "first");
    EXPECT_TRUE(server_.wait_for_disconnects(1));
    hold->open();
    EXPECT_EQ(recorder.ends(), 1);
    EXPECT_FALSE(recorder.text_after_end());
}

TEST_F(RemoteCallTest, AThrowingOnTextEndsTheCallWithAnInternalError) {
    auto hold = std::make_shared<Gate>();
    server_.push(OpenAiReply::stream({"boom", "never"}).hold_after(1, hold));
    InferenceRecorder recorder;
    start(make_call(recorder, [](const std::string&) { throw std::runtime_error("client buffer full"); }));
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "internal_error");
    EXPECT_EQ(recorder.error()->http_status, 500);
    EXPECT_TRUE(server_.wait_for_disconnects(1));
    hold->open();
    EXPECT_EQ(recorder.ends(), 1);
}

TEST_F(RemoteCallTest, CancelAfterTheEndChangesNothing) {
    server_.push(OpenAiReply::stream({"done"}));
    InferenceRecorder recorder;
    auto call = make_call(recorder);
    start(call);
    ASSERT_TRUE(recorder.wait_for_end());
    call->cancel();
    call->cancel();
    ASSERT_TRUE(recorder.result());
    EXPECT_EQ(recorder.result()->text, "done");
    EXPECT_EQ(recorder.ends(), 1);
}

TEST_F(RemoteCallTest, TimeoutMessageNamesTheLimit) {
    server_.push(OpenAiReply::stall());
    InferenceRecorder recorder;
    auto request = chat_request();
    request.timeout = std::chrono::milliseconds(100);
    make_call(recorder)->start(*client_, std::move(request), 0, "the test's limit");
    ASSERT_TRUE(recorder.wait_for_end());
    ASSERT_TRUE(recorder.error());
    EXPECT_EQ(recorder.error()->code, "upstream_timeout");
    EXPECT_NE(recorder.error()->message.find("the test's limit"), std::string::npos) << recorder.error()->message;
}

}  // namespace
}  // namespace vg::engine
