#include "engine/text/stop_matcher.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace vg::engine {
namespace {

TEST(StopMatcherTest, WithoutStopStringsEverythingPassesThrough) {
    StopMatcher matcher({});
    auto output = matcher.push("hello");
    EXPECT_EQ(output.text, "hello");
    EXPECT_FALSE(output.stopped);
    EXPECT_EQ(matcher.finish(), "");
    EXPECT_EQ(matcher.full_text(), "hello");
}

TEST(StopMatcherTest, EmptyStopStringsAreIgnored) {
    StopMatcher matcher({"", "END"});
    auto output = matcher.push("some text");
    EXPECT_EQ(output.text, "some text");
    EXPECT_FALSE(output.stopped);
}

TEST(StopMatcherTest, CutsAtAStopStringInsideOnePiece) {
    StopMatcher matcher({"</s>"});
    auto output = matcher.push("hello</s>world");
    EXPECT_EQ(output.text, "hello");
    EXPECT_TRUE(output.stopped);
    EXPECT_TRUE(matcher.stopped());
    EXPECT_EQ(matcher.full_text(), "hello");
}

TEST(StopMatcherTest, NothingIsEmittedAfterStopping) {
    StopMatcher matcher({"STOP"});
    EXPECT_TRUE(matcher.push("STOP").stopped);
    auto later = matcher.push("more text");
    EXPECT_EQ(later.text, "");
    EXPECT_TRUE(later.stopped);
    EXPECT_EQ(matcher.finish(), "");
    EXPECT_EQ(matcher.full_text(), "");
}

TEST(StopMatcherTest, CatchesAStopStringSplitAcrossPieces) {
    StopMatcher matcher({"</s>"});
    auto first = matcher.push("hello </");
    EXPECT_EQ(first.text, "hello ");
    EXPECT_FALSE(first.stopped);
    auto second = matcher.push("s>bye");
    EXPECT_EQ(second.text, "");
    EXPECT_TRUE(second.stopped);
    EXPECT_EQ(matcher.full_text(), "hello ");
}

TEST(StopMatcherTest, CatchesAStopStringArrivingOneCharacterAtATime) {
    StopMatcher matcher({"END"});
    std::string emitted;
    for (std::string_view piece : {"x", "E", "N"}) {
        auto output = matcher.push(piece);
        EXPECT_FALSE(output.stopped);
        emitted += output.text;
    }
    EXPECT_EQ(emitted, "x");
    auto last = matcher.push("D");
    EXPECT_TRUE(last.stopped);
    EXPECT_EQ(last.text, "");
    EXPECT_EQ(matcher.full_text(), "x");
}

TEST(StopMatcherTest, ReleasesAHeldTailThatDoesNotBecomeAStopString) {
    StopMatcher matcher({"<end>"});
    EXPECT_EQ(matcher.push("a<e").text, "a");
    auto output = matcher.push("x");
    EXPECT_EQ(output.text, "<ex");
    EXPECT_FALSE(output.stopped);
}

TEST(StopMatcherTest, FinishReleasesTheHeldTail) {
    StopMatcher matcher({"</s>"});
    EXPECT_EQ(matcher.push("x</").text, "x");
    EXPECT_EQ(matcher.finish(), "</");
    EXPECT_EQ(matcher.full_text(), "x</");
    EXPECT_FALSE(matcher.stopped());
}

TEST(StopMatcherTest, TheEarliestOccurrenceOfAnyStopStringWins) {
    StopMatcher matcher({"world", "lo"});
    auto output = matcher.push("hello world");
    EXPECT_EQ(output.text, "hel");
    EXPECT_TRUE(output.stopped);
}

TEST(StopMatcherTest, HoldsTheLongestPossibleBeginningOfAnyStopString) {
    StopMatcher matcher({"abc", "bcde"});
    EXPECT_EQ(matcher.push("xab").text, "x");  // "ab" could start "abc"; "b" alone could start "bcde"
    auto output = matcher.push("cd");
    EXPECT_EQ(output.text, "");
    EXPECT_TRUE(output.stopped);
}

TEST(StopMatcherTest, HandlesStopStringsThatOverlapThemselves) {
    StopMatcher matcher({"aab"});
    EXPECT_EQ(matcher.push("aa").text, "");
    EXPECT_EQ(matcher.push("a").text, "a");  // only the last two "a" can still start "aab"
    auto output = matcher.push("b");
    EXPECT_TRUE(output.stopped);
    EXPECT_EQ(output.text, "");
    EXPECT_EQ(matcher.full_text(), "a");
}

TEST(StopMatcherTest, HeldTailOfMultiByteStopStringKeepsCharactersWhole) {
    StopMatcher matcher({"\xC3\xA9!"});  // "é!"
    EXPECT_EQ(matcher.push("caf\xC3\xA9").text, "caf");
    auto output = matcher.push("?");
    EXPECT_EQ(output.text, "\xC3\xA9?");
    EXPECT_FALSE(output.stopped);
}

TEST(StopMatcherTest, NeverSplitsACharacterEvenForAStopStringStartingMidCharacter) {
    // "\xA9!" is not valid UTF-8 on its own; its partial match would start inside "é", so the whole
    // character is held back instead of half of it.
    StopMatcher matcher({"\xA9!"});
    EXPECT_EQ(matcher.push("caf\xC3\xA9").text, "caf");
    EXPECT_EQ(matcher.push("x").text, "\xC3\xA9x");
}

TEST(StopMatcherTest, EverySplitPointGivesTheSameResult) {
    const std::string text = "one two STOP three";
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        StopMatcher matcher({"STOP"});
        auto first = matcher.push(std::string_view(text).substr(0, cut));
        auto second = matcher.push(std::string_view(text).substr(cut));
        EXPECT_TRUE(second.stopped) << cut;
        EXPECT_EQ(first.text + second.text, "one two ") << cut;
        EXPECT_EQ(matcher.full_text(), "one two ") << cut;
    }
}

}  // namespace
}  // namespace vg::engine
