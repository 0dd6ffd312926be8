#include "engine/text/utf8_stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace vg::engine {
namespace {

using namespace std::string_literals;

const std::string kFffd = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER, spelt out by hand

// The example of Unicode 15, section 3.9, Table 3-8 ("U+FFFD for maximal subparts"):
// 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a FFFD FFFD FFFD b FFFD c FFFD FFFD d
const std::string kTable38Input = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
const std::string kTable38Output = "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d";

TEST(IsValidUtf8Test, AcceptsTheBoundaryCodePoints) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("a\0b"s));
    EXPECT_TRUE(is_valid_utf8("\x7F"));              // U+007F
    EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080
    EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
}

TEST(IsValidUtf8Test, RejectsEachKindOfIllFormedSequence) {
    EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong U+007F
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // overlong U+07FF
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong U+FFFF
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800, a surrogate
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));      // U+DFFF
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_FALSE(
        is_valid_utf8("\xC3"
                      "A"));                    // lead followed by a non-continuation
    EXPECT_FALSE(is_valid_utf8("ok\xE2\x82"));  // truncated at the end
    EXPECT_FALSE(is_valid_utf8(kTable38Input));
}

TEST(SanitizeUtf8Test, KeepsValidTextUnchanged) {
    EXPECT_EQ(sanitize_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
    EXPECT_EQ(sanitize_utf8("a\0b"s), "a\0b"s);
    EXPECT_EQ(sanitize_utf8(""), "");
}

TEST(SanitizeUtf8Test, ReplacesMaximalSubpartsAsInTheUnicodeStandard) {
    EXPECT_EQ(sanitize_utf8(kTable38Input), kTable38Output);
}

TEST(SanitizeUtf8Test, ReplacesEachByteOfOverlongsSurrogatesAndOutOfRangeSequences) {
    // The lead byte's allowed second-byte range already fails, so no byte is part of a longer subpart.
    EXPECT_EQ(sanitize_utf8("\xC0\xAF"), kFffd + kFffd);
    EXPECT_EQ(sanitize_utf8("\xE0\x80\x80"), kFffd + kFffd + kFffd);
    EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);
    EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
    EXPECT_EQ(sanitize_utf8("x\xFFy"), "x" + kFffd + "y");
}

TEST(SanitizeUtf8Test, ReplacesATruncatedCharacterWithOneReplacement) {
    EXPECT_EQ(sanitize_utf8("\xE2\x82"
                            "x"),
              kFffd + "x");
    EXPECT_EQ(sanitize_utf8("end\xF0\x9F\x98"), "end" + kFffd);
}

TEST(Utf8StreamTest, PassesCompleteCharactersThrough) {
    Utf8Stream stream;
    EXPECT_EQ(stream.push("hello "), "hello ");
    EXPECT_EQ(stream.push("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(stream.pending_bytes(), 0u);
    EXPECT_EQ(stream.finish(), "");
}

TEST(Utf8StreamTest, HoldsBackACharacterSplitAcrossPieces) {
    Utf8Stream stream;
    EXPECT_EQ(stream.push("a\xC3"), "a");
    EXPECT_EQ(stream.pending_bytes(), 1u);
    EXPECT_EQ(stream.push("\xA9"
                          "b"),
              "\xC3\xA9"
              "b");
    EXPECT_EQ(stream.pending_bytes(), 0u);
}

TEST(Utf8StreamTest, AssemblesAFourByteCharacterFromSingleBytes) {
    Utf8Stream stream;
    EXPECT_EQ(stream.push("\xF0"), "");
    EXPECT_EQ(stream.push("\x9F"), "");
    EXPECT_EQ(stream.push("\x98"), "");
    EXPECT_EQ(stream.pending_bytes(), 3u);
    EXPECT_EQ(stream.push("\x80"), "\xF0\x9F\x98\x80");
    EXPECT_EQ(stream.finish(), "");
}

TEST(Utf8StreamTest, EmptyPieceChangesNothing) {
    Utf8Stream stream;
    EXPECT_EQ(stream.push("\xE2\x82"), "");
    EXPECT_EQ(stream.push(""), "");
    EXPECT_EQ(stream.pending_bytes(), 2u);
    EXPECT_EQ(stream.push("\xAC"), "\xE2\x82\xAC");  // U+20AC EURO SIGN
}

TEST(Utf8StreamTest, ReplacesAsSoonAsASequenceCannotBecomeValid) {
    Utf8Stream stream;
    // F0 41: the 'A' proves the F0 will never be completed, so nothing needs to wait.
    EXPECT_EQ(stream.push("\xF0"
                          "A"),
              kFffd + "A");
    EXPECT_EQ(stream.pending_bytes(), 0u);
    // E0 80 is overlong from its second byte on: both bytes are replaced now, not held.
    EXPECT_EQ(stream.push("\xE0\x80"), kFffd + kFffd);
    EXPECT_EQ(stream.pending_bytes(), 0u);
}

TEST(Utf8StreamTest, InvalidCompletionOfAHeldCharacterIsReplaced) {
    Utf8Stream stream;
    EXPECT_EQ(stream.push("\xE2\x82"), "");
    EXPECT_EQ(stream.push("x"), kFffd + "x");
    EXPECT_EQ(stream.pending_bytes(), 0u);
}

TEST(Utf8StreamTest, FinishReplacesAnIncompleteCharacterAndResets) {
    Utf8Stream stream;
    EXPECT_EQ(stream.push("ok\xF0\x9F\x98"), "ok");
    EXPECT_EQ(stream.finish(), kFffd);
    EXPECT_EQ(stream.pending_bytes(), 0u);
    EXPECT_EQ(stream.push("\x80"), kFffd);  // a fresh stream: the lone continuation is not glued to old bytes
    EXPECT_EQ(stream.finish(), "");
}

TEST(Utf8StreamTest, ByteByByteGivesTheMaximalSubpartResult) {
    Utf8Stream stream;
    std::string out;
    for (char byte : kTable38Input) out += stream.push(std::string_view(&byte, 1));
    out += stream.finish();
    EXPECT_EQ(out, kTable38Output);
}

TEST(Utf8StreamTest, EveryPieceSplitOfMixedTextGivesTheSameText) {
    const std::string text = "a\xC3\xA9z\xE2\x82\xAC\xF0\x9F\x98\x80!";  // 1-, 2-, 3- and 4-byte characters
    for (std::size_t cut1 = 0; cut1 <= text.size(); ++cut1) {
        for (std::size_t cut2 = cut1; cut2 <= text.size(); ++cut2) {
            Utf8Stream stream;
            std::string out = stream.push(std::string_view(text).substr(0, cut1));
            EXPECT_TRUE(is_valid_utf8(out)) << cut1;
            out += stream.push(std::string_view(text).substr(cut1, cut2 - cut1));
            out += stream.push(std::string_view(text).substr(cut2));
            out += stream.finish();
            EXPECT_EQ(out, text) << cut1 << " " << cut2;
        }
    }
}

}  // namespace
}  // namespace vg::engine
