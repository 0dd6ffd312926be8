// `visiongrid ask` against a fake OpenAI-compatible model and a fake business service.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/exit_codes.hpp"
#include "cli_test_support.hpp"
#include "image/base64.hpp"
#include "support/child_process.hpp"
#include "support/fake_openai_server.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using nlohmann::json;
namespace codes = cli;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class AskCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        image_ = image::testing::encode(image::testing::solid(40, 30, {200, 10, 10}), ".png");
        write_file(dir_ / "red.png", image_);
    }

    CommandResult ask(std::vector<std::string> args) {
        args.insert(args.begin(), "ask");
        return run_command(VG_BINARY, args);
    }

    TempDir dir_;
    std::string image_;
};

TEST_F(AskCliTest, AFreeQuestionStreamsTheAnswer) {
    FakeOpenAiServer model;
    model.push(OpenAiReply::stream({"商品", " is a", " red mug"}).with_usage(30, 3));
    const auto result = ask({(dir_ / "red.png").string(), "What is this?", "--server", model.base_url(), "--api-key",
                             "k-123", "--max-tokens", "64"});
    ASSERT_EQ(result.exit_code, codes::kExitOk) << result.output;
    EXPECT_EQ(result.output, "商品 is a red mug\n");

    const auto requests = model.requests();
    ASSERT_EQ(requests.size(), 1u);
    const auto& request = requests[0];
    EXPECT_EQ(request.target, "/v1/chat/completions");
    EXPECT_EQ(request.headers.get_or("Authorization", ""), "Bearer k-123");
    EXPECT_EQ(request.json["stream"], true);
    EXPECT_EQ(request.json["max_tokens"], 64);
    const auto& content = request.json["messages"][0]["content"];
    const std::string url = content[0]["image_url"]["url"];
    ASSERT_TRUE(url.starts_with("data:image/png;base64,")) << url.substr(0, 40);
    EXPECT_EQ(image::decode_base64(url.substr(22)), image_);
    EXPECT_EQ(content[1]["text"], "What is this?");
}

TEST_F(AskCliTest, JsonModeAsksForOneAnswerAndPrintsIt) {
    FakeOpenAiServer model;
    model.push(OpenAiReply::complete("a red square").with_usage(30, 4));
    const auto result = ask({(dir_ / "red.png").string(), "What?", "--server", model.base_url(), "--json"});
    ASSERT_EQ(result.exit_code, codes::kExitOk) << result.output;
    const auto printed = json::parse(result.output);
    EXPECT_EQ(printed["answer"], "a red square");
    EXPECT_EQ(printed["finish_reason"], "stop");
    EXPECT_EQ(model.requests()[0].json["stream"], false);
}

TEST_F(AskCliTest, AnErrorInsideTheStreamIsAServerError) {
    FakeOpenAiServer model;
    model.push(OpenAiReply::raw_events(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\n"
        "data: {\"error\":{\"code\":\"engine_failed\",\"message\":\"the model crashed\"}}\n\n"));
    const auto result = ask({(dir_ / "red.png").string(), "What?", "--server", model.base_url()});
    EXPECT_EQ(result.exit_code, codes::kExitServerError) << result.output;
    EXPECT_TRUE(contains(result.output, "par\n")) << result.output;
    EXPECT_TRUE(contains(result.output, "the model crashed")) << result.output;
}

TEST_F(AskCliTest, AStreamThatStopsEarlyIsAServerError) {
    FakeOpenAiServer model;
    model.push(OpenAiReply::stream({"one", "two", "three"}).close_after(1));
    const auto result = ask({(dir_ / "red.png").string(), "What?", "--server", model.base_url()});
    EXPECT_EQ(result.exit_code, codes::kExitServerError) << result.output;
}

TEST_F(AskCliTest, RefusalsAndOutagesHaveTheirOwnExitCodes) {
    FakeOpenAiServer model;
    model.push(OpenAiReply::error(400, "image is 61 MP; the limit is 50 MP"));
    auto result = ask({(dir_ / "red.png").string(), "What?", "--server", model.base_url()});
    EXPECT_EQ(result.exit_code, codes::kExitClientError) << result.output;
    EXPECT_TRUE(contains(result.output, "image is 61 MP; the limit is 50 MP")) << result.output;

    model.push(OpenAiReply::error(503, "overloaded"));
    result = ask({(dir_ / "red.png").string(), "What?", "--server", model.base_url()});
    EXPECT_EQ(result.exit_code, codes::kExitServerError) << result.output;

    result =
        ask({(dir_ / "red.png").string(), "What?", "--server", "http://127.0.0.1:" + std::to_string(closed_port())});
    EXPECT_EQ(result.exit_code, codes::kExitUnreachable) << result.output;
    EXPECT_TRUE(contains(result.output, "cannot reach 127.0.0.1")) << result.output;

    result = ask({(dir_ / "missing.png").string(), "What?", "--server", model.base_url()});
    EXPECT_EQ(result.exit_code, codes::kExitInputUnreadable) << result.output;
    EXPECT_TRUE(contains(result.output, "missing.png")) << result.output;

    EXPECT_EQ(ask({(dir_ / "red.png").string()}).exit_code, codes::kExitUsage);
    EXPECT_EQ(ask({(dir_ / "red.png").string(), "q", "--task", "poetry"}).exit_code, codes::kExitUsage);
    EXPECT_EQ(ask({(dir_ / "red.png").string(), "q", "--server", "ftp://x"}).exit_code, codes::kExitUsage);
}

// A business service that answers each task path with what the test chose.
class FakeBusiness {
public:
    FakeBusiness()
        : upstream_([this](const RecordedRequest& request) {
              std::lock_guard lock(mutex_);
              seen_.push_back(request);
              return reply_;
          }) {}
    void answer(Reply reply) {
        std::lock_guard lock(mutex_);
        reply_ = std::move(reply);
    }
    std::vector<RecordedRequest> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::string url() const { return upstream_.url(""); }

private:
    mutable std::mutex mutex_;
    Reply reply_ = Reply::respond(500, "unset");
    std::vector<RecordedRequest> seen_;
    FakeUpstream upstream_;
};

json review_result() {
    return {{"id", "res_0001"},
            {"task", "product_review"},
            {"status", "ok"},
            {"result",
             {{"verdict", "reject"},
              {"model_verdict", "reject"},
              {"verdict_adjusted", nullptr},
              {"matched_categories", {"weapons"}},
              {"reasons", {"a knife is shown"}},
              {"confidence", 0.91}}}};
}

TEST_F(AskCliTest, ATaskPrintsATypedSummaryOrItsJson) {
    FakeBusiness business;
    business.answer(Reply::respond(200, review_result().dump()).header("Content-Type", "application/json"));
    auto result = ask({(dir_ / "red.png").string(), "--task", "product-review", "--server", business.url()});
    ASSERT_EQ(result.exit_code, codes::kExitOk) << result.output;
    EXPECT_TRUE(contains(result.output, "Verdict:      reject")) << result.output;
    EXPECT_TRUE(contains(result.output, "Matched:      weapons")) << result.output;
    EXPECT_TRUE(contains(result.output, "- a knife is shown")) << result.output;
    EXPECT_TRUE(contains(result.output, "result id: res_0001")) << result.output;

    result = ask(
        {(dir_ / "red.png").string(), "is it safe?", "--task", "product-review", "--json", "--server", business.url()});
    ASSERT_EQ(result.exit_code, codes::kExitOk) << result.output;
    EXPECT_EQ(json::parse(result.output), review_result());

    const auto seen = business.seen();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].target, "/api/product/review");
    const auto body = json::parse(seen[1].body);
    EXPECT_EQ(image::decode_base64(body["image"].get<std::string>()), image_);
    EXPECT_EQ(body["question"], "is it safe?");
}

TEST_F(AskCliTest, ATasks4xxPrintsTheServersMessage) {
    FakeBusiness business;
    business.answer(
        Reply::respond(
            400, R"({"error":{"code":"invalid_image","message":"the image could not be decoded","request_id":"r1"}})")
            .header("Content-Type", "application/json"));
    const auto result = ask({(dir_ / "red.png").string(), "--task", "homework", "--server", business.url()});
    EXPECT_EQ(result.exit_code, codes::kExitClientError) << result.output;
    EXPECT_TRUE(contains(result.output, "invalid_image: the image could not be decoded")) << result.output;
    EXPECT_EQ(business.seen()[0].target, "/api/homework/correction");
}

TEST_F(AskCliTest, AnInvalidModelOutputHasItsOwnExitCode) {
    FakeBusiness business;
    business.answer(
        Reply::respond(
            422,
            R"({"error":{"code":"model_output_invalid","message":"$.verdict: missing"},"id":"res_9","raw_output":"{"})")
            .header("Content-Type", "application/json"));
    const auto result = ask({(dir_ / "red.png").string(), "--task", "medical", "--server", business.url()});
    EXPECT_EQ(result.exit_code, codes::kExitModelOutputInvalid) << result.output;
    EXPECT_TRUE(contains(result.output, "$.verdict: missing")) << result.output;
}

}  // namespace
}  // namespace vg::test
