// The four business tasks end to end as a user reaches them: gateway (API key) → business → model
// running the tiny Qwen3-VL GGUF through the real llama.cpp path. Its weights are random, so what it
// says is meaningless, but schema-constrained decoding must make every answer a valid typed result.
// Skipped where llama.cpp or the tiny models are missing.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gateway_harness.hpp"
#include "image/base64.hpp"
#include "support/child_process.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kModels = VG_TEST_MODELS_DIR;
const std::string kKey = "vg_stack-key-for-the-integration-tests";

class PlatformStackTest : public ::testing::Test {
protected:
    void SetUp() override {
#if !VG_HAVE_LLAMA
        GTEST_SKIP() << "llama.cpp is not installed: the model role cannot run the tiny model";
#endif
        if (!std::filesystem::exists(kModels + "/tiny-qwen3vl-Q8_0.gguf")) GTEST_SKIP() << "no tiny model in " << kModels;
        dir_ = std::filesystem::temp_directory_path() / ("vg-stack-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        model_ = std::make_unique<ChildProcess>(
            VG_BINARY, std::vector<std::string>{"model", "--model", kModels + "/tiny-qwen3vl-Q8_0.gguf", "--mmproj",
                                                kModels + "/mmproj-tiny-qwen3vl-F16.gguf", "--set", "model.server.port=0",
                                                "--set", "model.server.host=127.0.0.1", "--set", "model.llama.slots=1",
                                                "--set", "model.llama.context_per_slot=8192", "--set", "model.limits.max_tokens=8000", "--set",
                                                "model.llama.threads=1", "--set", "log.level=warn"});
        const unsigned short model_port = model_->wait_for_port();
        auto loaded = model_->wait_for_line("visiongrid model", 120s);
        ASSERT_TRUE(loaded && loaded->find("ready") != std::string::npos) << model_->stderr_text();
        business_ = std::make_unique<ChildProcess>(
            VG_BINARY,
            std::vector<std::string>{"business", "--set", "business.server.port=0", "--set", "business.server.host=127.0.0.1",
                                     "--set", "business.store.url=sqlite://" + (dir_ / "results.db").string(), "--set",
                                     "business.model.instances=[\"127.0.0.1:" + std::to_string(model_port) + "\"]",
                                     "--set", "business.model.timeout=100s",
                                     // Random weights fill every string to its maxLength: room for the longest answer.
                                     "--set", "business.tasks.max_tokens=6000", "--set", "log.level=warn"});
        const unsigned short business_port = business_->wait_for_port();
        gateway_ = std::make_unique<GatewayProcess>(gateway_file(fill(R"(
upstreams:
  model: {instances: ["127.0.0.1:@MODEL@"]}
  business: {instances: ["127.0.0.1:@BUSINESS@"]}
  monitor: {instances: ["127.0.0.1:9"], health_check: {enabled: false}}   # not part of this test
auth:
  api_keys:
    - {name: tester, hash: "@HASH@", scopes: [model, business]}
)",
                                                                      {{"MODEL", port_text(model_port)},
                                                                       {"BUSINESS", port_text(business_port)},
                                                                       {"HASH", api_key_hash(kKey)}})));
    }

    void TearDown() override {
        gateway_.reset();
        for (auto* process : {business_.get(), model_.get()}) {
            if (!process) continue;
            process->signal(SIGTERM);
            process->wait(20s);
        }
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    json post(const std::string& path, const json& body) {
        auto response = gateway_->request("POST", path, body.dump(),
                                          "Content-Type: application/json\r\nAuthorization: Bearer " + kKey + "\r\n");
        EXPECT_TRUE(response) << path;
        if (!response) return {};
        EXPECT_EQ(response->status, 200) << path << ": " << response->body;
        return json::parse(response->body, nullptr, false);
    }

    std::filesystem::path dir_;
    std::unique_ptr<ChildProcess> model_;
    std::unique_ptr<ChildProcess> business_;
    std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(PlatformStackTest, EveryTaskReturnsASchemaValidTypedResultThroughTheGateway) {
    const std::string png = image::encode_base64(image::testing::encode(image::testing::solid(96, 64, {200, 120, 40}), ".png"));
    struct Case {
        std::string path;
        std::vector<std::string> fields;  // what the typed result must hold
    };
    const std::vector<Case> cases = {
        {"/api/product/analysis", {"category", "description"}},
        {"/api/product/review", {"verdict", "confidence"}},
        {"/api/homework/correction", {"questions"}},
        {"/api/medical/analysis", {"findings", "abnormal", "disclaimer"}},
    };
    for (const auto& c : cases) {
        const json body = post(c.path, {{"image", png}, {"caller_reference", "stack-" + c.path}});
        ASSERT_TRUE(body.is_object()) << c.path;
        EXPECT_EQ(body["status"], "ok") << c.path << ": " << body.dump();
        for (const auto& field : c.fields) EXPECT_TRUE(body["result"].contains(field)) << c.path << " lacks " << field << ": " << body.dump();
        // Stored, and readable through the gateway too.
        auto stored = gateway_->request("GET", "/api/results/" + body["id"].get<std::string>(), "",
                                        "Authorization: Bearer " + kKey + "\r\n");
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->status, 200);
        EXPECT_EQ(json::parse(stored->body)["result"], body["result"]) << c.path;
    }
    // Review verdicts are one of three words whatever the model said.
    const json review = post("/api/product/review", {{"image", png}});
    const std::string verdict = review["result"].value("verdict", "");
    EXPECT_TRUE(verdict == "pass" || verdict == "reject" || verdict == "manual_review") << verdict;
}

TEST_F(PlatformStackTest, TheGatewayRefusesTheTasksWithoutAKey) {
    auto response = gateway_->request("POST", "/api/product/review", "{}", "Content-Type: application/json\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401);
}

}  // namespace
}  // namespace vg::test
