// `visiongrid model` as a user runs it: the real binary with the tiny Qwen3-VL models, over HTTP.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "image/base64.hpp"
#include "support/child_process.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace images = vg::image::testing;

const std::string kModels = VG_TEST_MODELS_DIR;

class ModelServiceTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
#if !VG_HAVE_LLAMA
        return;  // SetUp() skips every test, naming the reason
#endif
        if (!std::filesystem::exists(kModels + "/tiny-qwen3vl-Q8_0.gguf")) return;
        process_ = new ChildProcess(VG_BINARY, {"model", "--model", kModels + "/tiny-qwen3vl-Q8_0.gguf", "--mmproj",
                                                kModels + "/mmproj-tiny-qwen3vl-F16.gguf", "--set", "model.server.port=0", "--set",
                                                "model.server.host=127.0.0.1", "--set", "model.llama.slots=4", "--set",
                                                "model.llama.context_per_slot=2048", "--set", "model.llama.threads=1", "--set",
                                                "model.llama.max_queue=4", "--set", "log.level=warn"});
        port_ = process_->wait_for_port();
        auto loaded = process_->wait_for_line("visiongrid model", 120s);
        if (!loaded || loaded->find("ready") == std::string::npos) FAIL() << "model did not load; stderr:\n" << process_->stderr_text();
    }
    static void TearDownTestSuite() {
        if (process_) {
            process_->signal(SIGTERM);
            process_->wait(20s);
        }
        delete process_;
        process_ = nullptr;
    }
    void SetUp() override {
#if !VG_HAVE_LLAMA
        GTEST_SKIP() << "llama.cpp is not installed: the model service cannot run the model in-process";
#endif
        if (!process_) GTEST_SKIP() << "tiny models not found in " << kModels;
    }

    static std::string png(int w, int h, int seed) {
        return images::encode(images::halves(w, h, {static_cast<double>(seed * 40 % 256), 20, 200}, {10, static_cast<double>(seed * 70 % 256), 90}),
                              ".png");
    }
    static std::optional<RawResponse> infer(const json& body) {
        return http_request(port_, "POST", "/api/model/infer", body.dump(), "Content-Type: application/json\r\n");
    }
    static std::string code(const RawResponse& r) { return json::parse(r.body)["error"]["code"].get<std::string>(); }

    static ChildProcess* process_;
    static unsigned short port_;
};
ChildProcess* ModelServiceTest::process_ = nullptr;
unsigned short ModelServiceTest::port_ = 0;

TEST_F(ModelServiceTest, InferReturnsResultUsageTimingsModelAndInstance) {
    auto response = infer({{"image", image::encode_base64(png(320, 240, 1))}, {"question", "What is this?"}, {"max_tokens", 16},
                           {"temperature", 0}});
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    auto body = json::parse(response->body);
    EXPECT_FALSE(body["result"].get<std::string>().empty());
    EXPECT_EQ(body["usage"]["completion_tokens"], 16);
    EXPECT_EQ(body["usage"]["image_tokens"], 80);
    EXPECT_TRUE(body["timings"].contains("prefill_ms"));
    EXPECT_EQ(body["model"], "tiny-qwen3vl-Q8_0");
    EXPECT_FALSE(body["instance"].get<std::string>().empty());
}

TEST_F(ModelServiceTest, MultipartUploadGivesTheSameAnswerAsJson) {
    std::string image = png(256, 192, 2);
    auto as_json = infer({{"image", image::encode_base64(image)}, {"question", "Describe"}, {"max_tokens", 12}, {"temperature", 0}});
    std::string boundary = "vgboundary42";
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n" +
                       image + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"question\"\r\n\r\nDescribe\r\n--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"max_tokens\"\r\n\r\n12\r\n--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"temperature\"\r\n\r\n0\r\n--" + boundary + "--\r\n";
    auto as_multipart = http_request(port_, "POST", "/api/model/infer", body, "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n");
    ASSERT_TRUE(as_json && as_multipart);
    ASSERT_EQ(as_multipart->status, 200) << as_multipart->body;
    EXPECT_EQ(json::parse(as_multipart->body)["result"], json::parse(as_json->body)["result"]);
}

TEST_F(ModelServiceTest, ChatCompletionsStreamsValidUtf8ChunksThatAddUpToTheAnswer) {
    std::string uri = "data:image/png;base64," + image::encode_base64(png(224, 224, 3));
    json request = {{"model", "tiny"},
                    {"messages", {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "商品图片检查"}}, {{"type", "image_url"}, {"image_url", {{"url", uri}}}}}}}}},
                    {"max_tokens", 40},
                    {"temperature", 0}};
    auto whole = http_request(port_, "POST", "/v1/chat/completions", request.dump(), "Content-Type: application/json\r\n");
    ASSERT_TRUE(whole);
    ASSERT_EQ(whole->status, 200) << whole->body;
    std::string answer = json::parse(whole->body)["choices"][0]["message"]["content"];

    request["stream"] = true;
    auto streamed = http_request(port_, "POST", "/v1/chat/completions", request.dump(), "Content-Type: application/json\r\n");
    ASSERT_TRUE(streamed);
    ASSERT_EQ(streamed->status, 200);
    EXPECT_EQ(streamed->headers.get_or("Content-Type", ""), "text/event-stream; charset=utf-8");
    std::string joined, finish;
    bool done = false;
    std::size_t pos = 0;
    while ((pos = streamed->body.find("data: ", pos)) != std::string::npos) {
        std::size_t end = streamed->body.find("\n\n", pos);
        std::string data = streamed->body.substr(pos + 6, end - pos - 6);
        pos = end;
        if (data == "[DONE]") {
            done = true;
            break;
        }
        auto chunk = json::parse(data);  // throws (fails the test) on a chunk that split a character
        if (chunk["choices"].empty()) continue;
        auto& delta = chunk["choices"][0]["delta"];
        if (delta.contains("content")) joined += delta["content"].get<std::string>();
        if (!chunk["choices"][0]["finish_reason"].is_null()) finish = chunk["choices"][0]["finish_reason"];
    }
    EXPECT_TRUE(done);
    EXPECT_EQ(finish, "length");
    EXPECT_EQ(joined, answer);
}

TEST_F(ModelServiceTest, ModelsAndInfoDescribeTheLoadedModel) {
    auto models = http_request(port_, "GET", "/v1/models");
    ASSERT_TRUE(models);
    EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "tiny-qwen3vl-Q8_0");
    auto info = http_request(port_, "GET", "/api/model/info");
    ASSERT_TRUE(info);
    auto body = json::parse(info->body);
    EXPECT_EQ(body["slots"], 4);
    EXPECT_EQ(body["context_per_slot"], 2048);
    EXPECT_TRUE(body["image_cache"].contains("hits"));
}

TEST_F(ModelServiceTest, RepeatedImageIsServedFromTheEmbeddingCache) {
    std::string image = image::encode_base64(png(288, 288, 4));
    auto first = infer({{"image", image}, {"question", "one"}, {"max_tokens", 4}, {"temperature", 0}});
    auto second = infer({{"image", image}, {"question", "two"}, {"max_tokens", 4}, {"temperature", 0}});
    ASSERT_TRUE(first && second);
    EXPECT_EQ(json::parse(first->body)["timings"]["images_from_cache"], 0);
    EXPECT_EQ(json::parse(second->body)["timings"]["images_from_cache"], 1);
    auto metrics = http_request(port_, "GET", "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_GE(metric_value(metrics->body, "visiongrid_model_image_cache_hits_total").value_or(0), 1);
}

TEST_F(ModelServiceTest, ClientThatDisconnectsFreesItsSlot) {
    auto metrics = [] { return http_request(port_, "GET", "/metrics")->body; };
    double tokens_before = metric_value(metrics(), "visiongrid_model_decode_tokens_total").value_or(0);
    double cancelled_before = metric_value(metrics(), "visiongrid_model_requests_total{outcome=\"cancelled\"}").value_or(0);
    {
        // Stream a long answer, read until it is really generating, then hang up mid-answer.
        RawConnection leaver(port_);
        std::string uri = "data:image/png;base64," + image::encode_base64(png(64, 64, 5));
        json body = {{"messages", {{{"role", "user"}, {"content", {{{"type", "image_url"}, {"image_url", {{"url", uri}}}}}}}}},
                     {"max_tokens", 1900}, {"stream", true}};
        ASSERT_TRUE(leaver.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.dump().size()) + "\r\n\r\n" + body.dump()));
        ASSERT_TRUE(leaver.read_until("\"content\":\"", 30s));
    }
    double cancelled = cancelled_before;
    for (int i = 0; i < 2000 && cancelled <= cancelled_before; ++i) {
        cancelled = metric_value(metrics(), "visiongrid_model_requests_total{outcome=\"cancelled\"}").value_or(0);
    }
    EXPECT_EQ(cancelled, cancelled_before + 1);
    auto text = metrics();
    EXPECT_EQ(metric_value(text, "visiongrid_model_active_slots"), 0);
    // The slot stopped generating long before max_tokens.
    EXPECT_LT(metric_value(text, "visiongrid_model_decode_tokens_total").value_or(0) - tokens_before, 1900);
}

TEST_F(ModelServiceTest, PromptsBeyondTheContextAndOddImageShapesAreHandled) {
    const std::string ok_image = image::encode_base64(png(64, 64, 6));
    auto too_long = infer({{"image", ok_image}, {"question", std::string(60000, 'a')}});
    ASSERT_TRUE(too_long);
    EXPECT_EQ(too_long->status, 400);
    EXPECT_EQ(code(*too_long), "context_exceeded");
    auto tiny = infer({{"image", image::encode_base64(png(1, 1, 7))}, {"question", "q"}, {"max_tokens", 2}});
    EXPECT_EQ(tiny->status, 200) << tiny->body;
    auto strip = infer({{"image", image::encode_base64(png(20000, 20, 8))}, {"question", "q"}, {"max_tokens", 2}});
    EXPECT_EQ(strip->status, 200) << strip->body;
    auto health = http_request(port_, "GET", "/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace vg::test
