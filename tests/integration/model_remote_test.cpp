// `visiongrid model` with model.engine=remote in front of a fake OpenAI-compatible upstream: the
// model service's HTTP API and its input validation, with no llama.cpp needed.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "image/base64.hpp"
#include "support/child_process.hpp"
#include "support/fake_openai_server.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace images = vg::image::testing;

class ModelRemoteTest : public ::testing::Test {
protected:
    void SetUp() override {
        process_ = std::make_unique<ChildProcess>(
            VG_BINARY, std::vector<std::string>{"model", "--set", "model.engine=remote", "--set", "model.remote.url=" + upstream_.base_url(),
                                                "--set", "model.remote.model=upstream-model", "--set", "model.server.port=0", "--set",
                                                "model.server.host=127.0.0.1", "--set", "log.level=warn"});
        port_ = process_->wait_for_port();
        auto loaded = process_->wait_for_line("visiongrid model", 30s);
        ASSERT_TRUE(loaded && loaded->find("ready") != std::string::npos) << process_->stderr_text();
    }
    void TearDown() override {
        process_->signal(SIGTERM);
        EXPECT_EQ(process_->wait(20s), 0);
    }

    std::optional<RawResponse> infer(const json& body) {
        return http_request(port_, "POST", "/api/model/infer", body.dump(), "Content-Type: application/json\r\n");
    }
    static std::string code(const RawResponse& r) { return json::parse(r.body)["error"]["code"].get<std::string>(); }
    static std::string png(int w, int h) { return images::encode(images::halves(w, h, {200, 30, 30}, {30, 30, 200}), ".png"); }

    FakeOpenAiServer upstream_;
    std::unique_ptr<ChildProcess> process_;
    unsigned short port_ = 0;
};

TEST_F(ModelRemoteTest, InferRelaysTheUpstreamAnswerAndSendsTheImage) {
    upstream_.push(OpenAiReply::stream({"红色", "和", "蓝色"}).with_usage(90, 3));
    auto response = infer({{"image", image::encode_base64(png(400, 300))}, {"question", "What colours?"}, {"max_tokens", 20}});
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    auto body = json::parse(response->body);
    EXPECT_EQ(body["result"], "红色和蓝色");
    EXPECT_EQ(body["usage"]["completion_tokens"], 3);
    auto requests = upstream_.requests();
    ASSERT_EQ(requests.size(), 1u);
    const auto& sent = requests[0].json;
    EXPECT_EQ(sent["model"], "upstream-model");
    EXPECT_EQ(sent["max_tokens"], 20);
    std::string dumped = sent["messages"].dump();
    EXPECT_NE(dumped.find("data:image/png;base64,"), std::string::npos);
    EXPECT_NE(dumped.find("What colours?"), std::string::npos);
}

TEST_F(ModelRemoteTest, UpstreamOverloadBecomes503WithRetryAfter) {
    upstream_.push(OpenAiReply::error(503, "busy").header("Retry-After", "3"));
    auto response = infer({{"image", image::encode_base64(png(64, 64))}, {"question", "q"}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 503);
    EXPECT_EQ(code(*response), "upstream_busy");
    EXPECT_EQ(response->headers.get_or("Retry-After", ""), "3");
}

TEST_F(ModelRemoteTest, CallersTimeoutHeaderBoundsTheRequest) {
    upstream_.push(OpenAiReply::stall());
    auto started = std::chrono::steady_clock::now();
    auto response = http_request(port_, "POST", "/api/model/infer",
                                 json{{"image", image::encode_base64(png(64, 64))}, {"question", "q"}}.dump(),
                                 "Content-Type: application/json\r\nX-VisionGrid-Timeout-Ms: 300\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 504) << response->body;
    EXPECT_EQ(code(*response), "upstream_timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "the 120 s default must not apply";
    auto bad = http_request(port_, "POST", "/api/model/infer", json{{"image", "aGk="}, {"question", "q"}}.dump(),
                            "Content-Type: application/json\r\nX-VisionGrid-Timeout-Ms: soon\r\n");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(code(*bad), "invalid_header");
}

struct BadInput {
    std::string name;
    json body;
    int status;
    std::string code;
};

TEST_F(ModelRemoteTest, BadInputGetsASpecificErrorAndTheServiceStaysUp) {
    const std::string ok_image = image::encode_base64(png(64, 64));
    std::string truncated = images::encode(images::noise(200, 150), ".jpg");
    truncated.resize(truncated.size() / 2);
    const std::vector<BadInput> cases = {
        {"empty image", {{"image", ""}, {"question", "q"}}, 400, "empty_image"},
        {"not an image", {{"image", image::encode_base64("hello, this is text")}, {"question", "q"}}, 400, "unsupported_image_format"},
        {"svg disguised", {{"image", image::encode_base64("<svg xmlns='http://www.w3.org/2000/svg'/>")}, {"question", "q"}}, 400,
         "unsupported_image_format"},
        {"truncated jpeg", {{"image", image::encode_base64(truncated)}, {"question", "q"}}, 400, "invalid_image"},
        {"png bomb", {{"image", image::encode_base64(images::png_claiming(30000, 30000))}, {"question", "q"}}, 413, "image_too_large"},
        {"invalid base64", {{"image", "abc$def"}, {"question", "q"}}, 400, "invalid_base64"},
        {"image not a string", {{"image", 42}, {"question", "q"}}, 400, "invalid_field"},
        {"missing question", {{"image", ok_image}}, 400, "missing_field"},
        {"empty question", {{"image", ok_image}, {"question", ""}}, 400, "missing_field"},
        {"question not a string", {{"image", ok_image}, {"question", {1, 2}}}, 400, "invalid_field"},
        {"question too long", {{"image", ok_image}, {"question", std::string(70000, 'a')}}, 400, "field_too_long"},
        {"negative max_tokens", {{"image", ok_image}, {"question", "q"}, {"max_tokens", -5}}, 400, "invalid_field"},
        {"absurd max_tokens", {{"image", ok_image}, {"question", "q"}, {"max_tokens", 1e12}}, 400, "invalid_field"},
        {"huge integer max_tokens", {{"image", ok_image}, {"question", "q"}, {"max_tokens", 18446744073709551615ULL}}, 400, "invalid_field"},
        {"absurd temperature", {{"image", ok_image}, {"question", "q"}, {"temperature", 1000}}, 400, "invalid_field"},
        {"string temperature", {{"image", ok_image}, {"question", "q"}, {"temperature", "hot"}}, 400, "invalid_field"},
        {"top_p above one", {{"image", ok_image}, {"question", "q"}, {"top_p", 1.5}}, 400, "invalid_field"},
        {"unknown field", {{"image", ok_image}, {"question", "q"}, {"colour", "red"}}, 400, "unknown_field"},
        {"both image and url", {{"image", ok_image}, {"image_url", "data:image/png;base64," + ok_image}, {"question", "q"}}, 400,
         "missing_field"},
        {"neither image nor url", {{"question", "q"}}, 400, "missing_field"},
        {"http image url (SSRF)", {{"image_url", "http://169.254.169.254/latest"}, {"question", "q"}}, 400, "unsupported_image_url"},
        {"bad data uri", {{"image_url", "data:image/png;base64"}, {"question", "q"}}, 400, "invalid_data_uri"},
        {"bad schema", {{"image", ok_image}, {"question", "q"}, {"json_schema", {{"type", "unicorn"}}}}, 400, "invalid_schema"},
    };
    for (const auto& c : cases) {
        auto response = infer(c.body);
        ASSERT_TRUE(response) << c.name;
        EXPECT_EQ(response->status, c.status) << c.name << ": " << response->body;
        EXPECT_EQ(code(*response), c.code) << c.name << ": " << response->body;
    }
    auto not_json = http_request(port_, "POST", "/api/model/infer", "{\"image\": ", "Content-Type: application/json\r\n");
    EXPECT_EQ(not_json->status, 400);
    EXPECT_EQ(code(*not_json), "invalid_json");
    auto array_body = http_request(port_, "POST", "/api/model/infer", "[1,2]", "Content-Type: application/json\r\n");
    EXPECT_EQ(code(*array_body), "invalid_json");
    auto bad_utf8 = http_request(port_, "POST", "/api/model/infer", "{\"image\":\"" + ok_image + "\",\"question\":\"\xff\xfe\"}",
                                 "Content-Type: application/json\r\n");
    EXPECT_EQ(bad_utf8->status, 400);
    auto wrong_type = http_request(port_, "POST", "/api/model/infer", "x", "Content-Type: text/plain\r\n");
    EXPECT_EQ(wrong_type->status, 415);
    auto bad_multipart = http_request(port_, "POST", "/api/model/infer", "--x\r\nnonsense", "Content-Type: multipart/form-data; boundary=x\r\n");
    EXPECT_EQ(bad_multipart->status, 400);
    EXPECT_EQ(code(*bad_multipart), "invalid_multipart");
    auto chat_no_messages = http_request(port_, "POST", "/v1/chat/completions", "{\"messages\": []}", "Content-Type: application/json\r\n");
    EXPECT_EQ(code(*chat_no_messages), "missing_field");
    EXPECT_EQ(upstream_.request_count(), 0u) << "nothing invalid may reach the model";
    auto health = http_request(port_, "GET", "/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace vg::test
