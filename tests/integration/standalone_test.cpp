// README command (1) as a newcomer runs it: scripts/run downloads the model when it is missing (here
// the tiny test model, from a local HTTP server standing in for Hugging Face) and starts
// `visiongrid standalone`; the console URL it prints answers, and `visiongrid ask` gets an answer
// through the same port. Skipped where llama.cpp or the tiny models are missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/child_process.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kModels = VG_TEST_MODELS_DIR;

class StandaloneTest : public ::testing::Test {
protected:
    void SetUp() override {
#if !VG_HAVE_LLAMA
        GTEST_SKIP() << "llama.cpp is not installed: standalone cannot run the model in-process";
#endif
        if (!std::filesystem::exists(kModels + "/SHA256SUMS")) GTEST_SKIP() << "no tiny models in " << kModels;
        dir_ = std::filesystem::temp_directory_path() / ("vg-standalone-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_ / "models");
        // A plain static file server: what a mirror of the model files is.
        files_ = std::make_unique<ChildProcess>(
            "/usr/bin/env", std::vector<std::string>{"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", kModels});
        auto serving = files_->wait_for_line("Serving HTTP", 20s);
        ASSERT_TRUE(serving) << files_->stderr_text();
        std::smatch port;
        ASSERT_TRUE(std::regex_search(*serving, port, std::regex("port (\\d+)")));
        base_url_ = "http://127.0.0.1:" + port[1].str();
    }

    void TearDown() override {
        for (auto* process : {platform_.get(), files_.get()}) {
            if (!process) continue;
            process->signal(SIGTERM);
            process->wait(20s);
        }
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    std::filesystem::path dir_;
    std::string base_url_;
    std::unique_ptr<ChildProcess> files_;
    std::unique_ptr<ChildProcess> platform_;
};

TEST_F(StandaloneTest, ReadmeCommandOneDownloadsTheModelServesTheConsoleAndAnswers) {
    platform_ = std::make_unique<ChildProcess>(
        "/usr/bin/env",
        std::vector<std::string>{"VISIONGRID_BIN=" + std::string(VG_BINARY), "VISIONGRID_MODELS_DIR=" + (dir_ / "models").string(),
                                 "VISIONGRID_MODELS_BASE_URL=" + base_url_, "VG_MODEL_NAME=tiny-test", "bash",
                                 std::string(VG_SOURCE_DIR) + "/scripts/run", "--set", "standalone.port=0", "--set",
                                 "standalone.ops_port=0", "--set", "business.store.url=sqlite://" + (dir_ / "results.db").string(),
                                 "--set", "model.llama.threads=1", "--set", "log.level=warn"});
    auto ready = platform_->wait_for_line("visiongrid standalone ready", 180s);
    ASSERT_TRUE(ready) << platform_->stderr_text();
    EXPECT_TRUE(std::filesystem::exists(dir_ / "models" / "tiny-qwen3vl-Q8_0.gguf")) << "the model was not downloaded";
    EXPECT_TRUE(std::filesystem::exists(dir_ / "models" / "mmproj-tiny-qwen3vl-F16.gguf"));

    std::smatch url;
    ASSERT_TRUE(std::regex_search(*ready, url, std::regex("console http://127\\.0\\.0\\.1:(\\d+)/console/"))) << *ready;
    const auto port = static_cast<unsigned short>(std::stoi(url[1].str()));
    auto console = http_request(port, "GET", "/console/");
    ASSERT_TRUE(console);
    EXPECT_EQ(console->status, 200);
    EXPECT_NE(console->body.find("<html"), std::string::npos) << console->body.substr(0, 200);

    const auto image = dir_ / "photo.png";
    {
        std::ofstream out(image, std::ios::binary);
        out << image::testing::encode(image::testing::solid(64, 64, {30, 160, 90}), ".png");
    }
    auto asked = run_command(VG_BINARY, {"ask", image.string(), "What colour is this?", "--server",
                                         "http://127.0.0.1:" + std::to_string(port), "--max-tokens", "12"});
    EXPECT_EQ(asked.exit_code, 0) << asked.output;
    EXPECT_FALSE(asked.output.empty()) << "no answer printed";

    // The typed path through the same port, and the cluster as the dashboard sees it.
    auto review = run_command(VG_BINARY, {"ask", image.string(), "review", "--task", "product-review", "--json", "--server",
                                          "http://127.0.0.1:" + std::to_string(port)});
    EXPECT_TRUE(review.exit_code == 0 || review.exit_code == 7) << review.output;  // 7: the tiny model's answer was invalid
    auto cluster = http_request(port, "GET", "/api/cluster");
    ASSERT_TRUE(cluster);
    ASSERT_EQ(cluster->status, 200) << cluster->body;
    std::set<std::string> roles;
    const json view = json::parse(cluster->body);
    for (const auto& instance : view["instances"]) roles.insert(instance["role"].get<std::string>());
    EXPECT_TRUE(roles.count("model") && roles.count("business")) << cluster->body;
}

}  // namespace
}  // namespace vg::test
