#include "cli/sha256.hpp"

#include <gtest/gtest.h>

#include "cli_test_support.hpp"
#include "support/child_process.hpp"

namespace vg::cli {
namespace {

using test::TempDir;

TEST(Sha256Test, MatchesThePublishedTestVectors) {
    Sha256 hash;
    hash.update("abc");  // FIPS 180-2, appendix B.1
    EXPECT_EQ(hash.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hash.hex_digest(),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // reset: empty input
}

TEST(Sha256Test, PiecesGiveTheSameDigestAsOneUpdate) {
    const std::string bytes = test::random_bytes(100'003, 7);
    Sha256 pieces;
    for (std::size_t i = 0; i < bytes.size(); i += 977) pieces.update(std::string_view(bytes).substr(i, 977));
    EXPECT_EQ(pieces.hex_digest(), test::sha256_hex(bytes));
}

TEST(Sha256Test, HashesAFileLikeSha256sum) {
    if (!test::on_path("sha256sum")) GTEST_SKIP() << "sha256sum not installed";
    TempDir dir;
    test::write_file(dir / "f", test::random_bytes(3'000'001, 11));
    const auto result = test::run_command("sha256sum", {(dir / "f").string()});
    ASSERT_EQ(result.exit_code, 0);
    EXPECT_EQ(sha256_file(dir / "f"), result.output.substr(0, 64));
}

TEST(Sha256Test, APrefixOfAFileHashesLikeThoseBytes) {
    TempDir dir;
    const std::string bytes = test::random_bytes(50'000, 3);
    test::write_file(dir / "f", bytes);
    Sha256 hash;
    std::uintmax_t reported = 0;
    hash_file_prefix(dir / "f", 12'345, hash, [&](std::uintmax_t done) { reported = done; });
    EXPECT_EQ(reported, 12'345u);
    EXPECT_EQ(hash.hex_digest(), test::sha256_hex(bytes.substr(0, 12'345)));
    EXPECT_THROW(hash_file_prefix(dir / "f", 60'000, hash), std::runtime_error);
}

TEST(Sha256Test, RecognisesHexDigests) {
    EXPECT_TRUE(is_sha256_hex(std::string(64, 'a')));
    EXPECT_TRUE(is_sha256_hex(std::string(64, 'F')));
    EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
    EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
}

}  // namespace
}  // namespace vg::cli
