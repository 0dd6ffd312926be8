// `visiongrid models pull|list` against a local server holding the tiny test models (../shared/models).
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/exit_codes.hpp"
#include "cli_test_support.hpp"
#include "support/child_process.hpp"

namespace vg::test {
namespace {

namespace fs = std::filesystem;
using cli::kExitChecksumMismatch;
using cli::kExitOk;
using cli::kExitServerError;
using cli::kExitUnreachable;
using cli::kExitUsage;

constexpr const char* kModel = "tiny-qwen3vl-Q8_0.gguf";
constexpr const char* kProjector = "mmproj-tiny-qwen3vl-F16.gguf";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class ModelsPullCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        const fs::path models = VG_TEST_MODELS_DIR;
        if (!fs::exists(models / kModel) || !fs::exists(models / kProjector))
            GTEST_SKIP() << "no tiny models in " << models;
        model_ = read_file(models / kModel);
        projector_ = read_file(models / kProjector);
        server_.add(path(kModel), model_);
        server_.add(path(kProjector), projector_);
        serve_manifest(sha256_hex(model_), sha256_hex(projector_));
    }

    static std::string path(const std::string& name) { return "/tiny/" + name; }

    void serve_manifest(const std::string& model_sum, const std::string& projector_sum) {
        server_.add(path("SHA256SUMS"), model_sum + "  " + kModel + "\n" + projector_sum + " *" + kProjector + "\n");
    }

    CommandResult pull(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {
            "models", "pull", "tiny-test", "--dir", dir_.path().string(), "--base-url", server_.url("/tiny")};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_command(VG_BINARY, args);
    }

    std::vector<std::string> ranges(const std::string& name) const {
        std::vector<std::string> seen;
        for (const auto& request : server_.requests_for(path(name)))
            seen.emplace_back(request.headers.get_or("Range", "-"));
        return seen;
    }

    TempDir dir_;
    TestFileServer server_;
    std::string model_;
    std::string projector_;
};

TEST_F(ModelsPullCliTest, PullsVerifiesAndThenSkipsWhatIsPresent) {
    auto result = pull();
    ASSERT_EQ(result.exit_code, kExitOk) << result.output;
    EXPECT_EQ(read_file(dir_ / kModel), model_);
    EXPECT_EQ(read_file(dir_ / kProjector), projector_);
    EXPECT_FALSE(fs::exists(dir_ / (std::string(kModel) + ".part")));
    EXPECT_TRUE(
        contains(result.output, "--model " + (dir_ / kModel).string() + " --mmproj " + (dir_ / kProjector).string()))
        << result.output;
    // Not a terminal: plain progress lines, no carriage returns.
    EXPECT_FALSE(contains(result.output, "\r")) << result.output;

    result = pull();
    ASSERT_EQ(result.exit_code, kExitOk) << result.output;
    EXPECT_TRUE(contains(result.output, std::string(kModel) + ": already present, verified")) << result.output;
    EXPECT_EQ(server_.requests_for(path(kModel)).size(), 1u);
    EXPECT_EQ(server_.requests_for(path(kProjector)).size(), 1u);

    const auto listed = run_command(VG_BINARY, {"models", "list", "--dir", dir_.path().string()});
    ASSERT_EQ(listed.exit_code, kExitOk) << listed.output;
    EXPECT_TRUE(contains(listed.output, std::string(kModel) + "  394 KiB  present, verified")) << listed.output;
    EXPECT_TRUE(contains(listed.output, "Qwen3VL-8B-Instruct-Q8_0.gguf  8.11 GiB  missing")) << listed.output;
}

TEST_F(ModelsPullCliTest, ACutConnectionIsResumedWithARangeRequest) {
    server_.cut_next(path(kModel), 100'000);
    const auto result = pull();
    ASSERT_EQ(result.exit_code, kExitOk) << result.output;
    EXPECT_EQ(sha256_hex(read_file(dir_ / kModel)), sha256_hex(model_));
    EXPECT_EQ(ranges(kModel), (std::vector<std::string>{"-", "bytes=100000-"}));
    EXPECT_TRUE(contains(result.output, "retrying")) << result.output;
}

TEST_F(ModelsPullCliTest, AnInterruptedPullResumesInTheNextRun) {
    server_.cut_next(path(kModel), 150'000);
    auto result = pull({"--retries", "0"});
    ASSERT_EQ(result.exit_code, kExitServerError) << result.output;
    EXPECT_TRUE(contains(result.output, "run the command again to resume")) << result.output;
    EXPECT_EQ(fs::file_size(dir_ / (std::string(kModel) + ".part")), 150'000u);
    EXPECT_FALSE(fs::exists(dir_ / kModel));

    result = pull();
    ASSERT_EQ(result.exit_code, kExitOk) << result.output;
    EXPECT_TRUE(contains(result.output, "resuming at")) << result.output;
    EXPECT_EQ(read_file(dir_ / kModel), model_);
    EXPECT_EQ(ranges(kModel), (std::vector<std::string>{"-", "bytes=150000-"}));
}

TEST_F(ModelsPullCliTest, AChecksumMismatchIsRefusedAndNothingIsLeft) {
    serve_manifest(sha256_hex(model_ + "x"), sha256_hex(projector_));
    const auto result = pull();
    ASSERT_EQ(result.exit_code, kExitChecksumMismatch) << result.output;
    EXPECT_TRUE(contains(result.output, "checksum mismatch for " + std::string(kModel))) << result.output;
    EXPECT_FALSE(fs::exists(dir_ / kModel));
    EXPECT_FALSE(fs::exists(dir_ / (std::string(kModel) + ".part")));
}

TEST_F(ModelsPullCliTest, ASidecarChecksumComesBeforeTheManifest) {
    serve_manifest(sha256_hex("wrong"), sha256_hex("wrong too"));
    server_.add(path(std::string(kModel) + ".sha256"), sha256_hex(model_) + "  " + kModel + "\n");
    server_.add(path(std::string(kProjector) + ".sha256"), sha256_hex(projector_) + "\n");
    const auto result = pull();
    ASSERT_EQ(result.exit_code, kExitOk) << result.output;
    EXPECT_EQ(read_file(dir_ / kProjector), projector_);
}

TEST_F(ModelsPullCliTest, OfflineIsAClearError) {
    const auto result =
        run_command(VG_BINARY, {"models", "pull", "tiny-test", "--dir", dir_.path().string(), "--base-url",
                                "http://127.0.0.1:" + std::to_string(closed_port()) + "/tiny"});
    ASSERT_EQ(result.exit_code, kExitUnreachable) << result.output;
    EXPECT_TRUE(contains(result.output, "cannot reach 127.0.0.1")) << result.output;
    EXPECT_TRUE(contains(result.output, "(offline?)")) << result.output;
    EXPECT_TRUE(fs::is_empty(dir_.path()) || !fs::exists(dir_ / kModel));
}

TEST_F(ModelsPullCliTest, UsageMistakesExitWith2) {
    EXPECT_EQ(run_command(VG_BINARY, {"models", "pull", "no-such-model"}).exit_code, kExitUsage);
    EXPECT_EQ(run_command(VG_BINARY, {"models", "pull"}).exit_code, kExitUsage);
    EXPECT_EQ(run_command(VG_BINARY, {"models", "pull", "tiny-test", "--bogus"}).exit_code, kExitUsage);
    // The tiny models have no public copy: a base URL is required.
    const auto result = run_command(VG_BINARY, {"models", "pull", "tiny-test", "--dir", dir_.path().string()});
    EXPECT_EQ(result.exit_code, kExitUsage) << result.output;
    EXPECT_TRUE(contains(result.output, "--base-url")) << result.output;
    const auto help = run_command(VG_BINARY, {"models", "--help"});
    EXPECT_EQ(help.exit_code, kExitOk);
    EXPECT_TRUE(contains(help.output, "VISIONGRID_MODELS_DIR")) << help.output;
}

}  // namespace
}  // namespace vg::test
