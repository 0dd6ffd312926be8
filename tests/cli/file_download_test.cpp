// download_file against a local file server that can cut connections and ignore ranges.
#include "cli/file_download.hpp"

#include <gtest/gtest.h>

#include "cli/exit_codes.hpp"
#include "cli_test_support.hpp"

namespace vg::cli {
namespace {

using namespace std::chrono_literals;
using test::read_file;
using test::TempDir;

class FileDownloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        init_http();
        session_ = std::make_unique<HttpSession>();
        content_ = test::random_bytes(300'000, 42);
        server_.add("/m/model.gguf", content_);
        target_.url = server_.url("/m/model.gguf");
        target_.destination = dir_ / "model.gguf";
        target_.sha256 = test::sha256_hex(content_);
        options_.progress = nullptr;
        options_.first_backoff = 10ms;
    }

    std::vector<std::string> ranges() const {
        std::vector<std::string> seen;
        for (const auto& request : server_.requests_for("/m/model.gguf")) {
            seen.emplace_back(request.headers.get_or("Range", "-"));
        }
        return seen;
    }

    int error_code_of(const std::function<void()>& f) {
        try {
            f();
        } catch (const DownloadError& e) {
            last_error_ = e.what();
            return e.exit_code();
        }
        return kExitOk;
    }

    TempDir dir_;
    test::TestFileServer server_;
    std::string content_;
    DownloadTarget target_;
    DownloadOptions options_;
    HttpSession& session() { return *session_; }
    std::unique_ptr<HttpSession> session_;
    std::string last_error_;
};

TEST_F(FileDownloadTest, DownloadsVerifiesAndStamps) {
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(read_file(target_.destination), content_);
    EXPECT_FALSE(std::filesystem::exists(partial_path(target_.destination)));
    EXPECT_EQ(read_file(stamp_path(target_.destination)).substr(0, 64), target_.sha256);
    EXPECT_EQ(ranges(), std::vector<std::string>{"-"});
}

TEST_F(FileDownloadTest, ACutConnectionIsResumedWithARangeRequest) {
    server_.cut_next("/m/model.gguf", 120'000);
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(read_file(target_.destination), content_);
    EXPECT_EQ(ranges(), (std::vector<std::string>{"-", "bytes=120000-"}));
}

TEST_F(FileDownloadTest, APartialFileLeftByAnEarlierRunIsResumed) {
    server_.cut_next("/m/model.gguf", 70'000);
    options_.retries = 0;
    EXPECT_EQ(error_code_of([&] { download_file(session(), target_, options_); }), kExitServerError);
    EXPECT_NE(last_error_.find("run the command again"), std::string::npos) << last_error_;
    EXPECT_EQ(read_file(partial_path(target_.destination)), content_.substr(0, 70'000));
    EXPECT_FALSE(std::filesystem::exists(target_.destination));

    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(read_file(target_.destination), content_);
    EXPECT_EQ(ranges(), (std::vector<std::string>{"-", "bytes=70000-"}));
}

TEST_F(FileDownloadTest, AServerThatIgnoresRangesMakesItStartOver) {
    server_.cut_next("/m/model.gguf", 50'000);
    server_.ignore_ranges(true);
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(read_file(target_.destination), content_);  // not 50 000 bytes twice
    EXPECT_EQ(ranges(), (std::vector<std::string>{"-", "bytes=50000-"}));
}

TEST_F(FileDownloadTest, A416ForAWholePartialFileFinishesIt) {
    test::write_file(partial_path(target_.destination), content_);
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(read_file(target_.destination), content_);
    EXPECT_EQ(ranges(), (std::vector<std::string>{"bytes=300000-"}));
}

TEST_F(FileDownloadTest, APartialFileLongerThanTheServersStartsOver) {
    test::write_file(partial_path(target_.destination), content_ + "trailing junk");
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(read_file(target_.destination), content_);
    EXPECT_EQ(ranges(), (std::vector<std::string>{"bytes=300013-", "-"}));
}

TEST_F(FileDownloadTest, AChecksumMismatchIsRefusedAndLeavesNothing) {
    target_.sha256 = test::sha256_hex("something else");
    EXPECT_EQ(error_code_of([&] { download_file(session(), target_, options_); }), kExitChecksumMismatch);
    EXPECT_NE(last_error_.find("checksum mismatch for model.gguf"), std::string::npos) << last_error_;
    EXPECT_NE(last_error_.find(test::sha256_hex(content_)), std::string::npos) << last_error_;
    EXPECT_FALSE(std::filesystem::exists(target_.destination));
    EXPECT_FALSE(std::filesystem::exists(partial_path(target_.destination)));
}

TEST_F(FileDownloadTest, ASizeOtherThanExpectedIsRefusedBeforeDownloading) {
    target_.size = content_.size() + 1;
    EXPECT_EQ(error_code_of([&] { download_file(session(), target_, options_); }), kExitChecksumMismatch);
    EXPECT_NE(last_error_.find("not the 300001 expected"), std::string::npos) << last_error_;
    EXPECT_FALSE(std::filesystem::exists(target_.destination));
}

TEST_F(FileDownloadTest, AnUnreachableHostSaysSo) {
    target_.url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/m/model.gguf";
    EXPECT_EQ(error_code_of([&] { download_file(session(), target_, options_); }), kExitUnreachable);
    EXPECT_NE(last_error_.find("cannot reach 127.0.0.1"), std::string::npos) << last_error_;
    EXPECT_NE(last_error_.find("(offline?)"), std::string::npos) << last_error_;
}

TEST_F(FileDownloadTest, A404IsAClientError) {
    target_.url = server_.url("/m/missing.gguf");
    EXPECT_EQ(error_code_of([&] { download_file(session(), target_, options_); }), kExitClientError);
    EXPECT_NE(last_error_.find("answered 404"), std::string::npos) << last_error_;
}

TEST_F(FileDownloadTest, AVerifiedFileIsNotDownloadedAgain) {
    ASSERT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kAlreadyPresent);
    EXPECT_EQ(server_.requests_for("/m/model.gguf").size(), 1u);
}

TEST_F(FileDownloadTest, APresentFileWithoutAStampIsHashedOnce) {
    test::write_file(target_.destination, content_);
    EXPECT_TRUE(verify_present_file(target_.destination, target_.sha256, std::nullopt, false, nullptr));
    EXPECT_TRUE(std::filesystem::exists(stamp_path(target_.destination)));
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kAlreadyPresent);
    EXPECT_TRUE(server_.requests_for("/m/model.gguf").empty());
}

TEST_F(FileDownloadTest, ACorruptedPresentFileIsReplaced) {
    ASSERT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    std::string corrupted = content_;
    corrupted[1000] ^= 0x5a;
    test::write_file(target_.destination, corrupted);
    // A file written after its stamp is hashed again, whatever the stamp says.
    std::filesystem::last_write_time(target_.destination,
                                     std::filesystem::last_write_time(stamp_path(target_.destination)) + 2s);
    EXPECT_EQ(download_file(session(), target_, options_), DownloadOutcome::kDownloaded);
    EXPECT_EQ(read_file(target_.destination), content_);
}

}  // namespace
}  // namespace vg::cli
