#include "obs/trace_context.hpp"

#include <string>

#include <gtest/gtest.h>

namespace vg::obs {
namespace {

// The example from the W3C Trace Context specification.
constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool is_lower_hex(const std::string& text) {
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(TraceContextTest, ParsesAValidHeader) {
    auto context = TraceContext::parse(kValid);
    ASSERT_TRUE(context.has_value());
    EXPECT_EQ(context->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(context->span_id, "00f067aa0ba902b7");
    EXPECT_EQ(context->flags, "01");
}

TEST(TraceContextTest, ParsesUnsampledFlags) {
    auto context = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    ASSERT_TRUE(context.has_value());
    EXPECT_EQ(context->flags, "00");
}

TEST(TraceContextTest, HeaderRoundTrips) {
    auto context = TraceContext::parse(kValid);
    ASSERT_TRUE(context.has_value());
    EXPECT_EQ(context->header(), kValid);
}

TEST(TraceContextTest, RejectsWrongLengths) {
    EXPECT_FALSE(TraceContext::parse(""));
    EXPECT_FALSE(TraceContext::parse(kValid.substr(0, 54)));
    EXPECT_FALSE(TraceContext::parse(std::string(kValid) + "0"));
    EXPECT_FALSE(TraceContext::parse(std::string(kValid) + "-extra"));  // version 00 has no further fields
    // Trace id one digit short, span id one digit long: the total length is right, the separators are not.
    EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01"));
}

TEST(TraceContextTest, RejectsUppercaseHex) {
    EXPECT_FALSE(TraceContext::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
    EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
    EXPECT_FALSE(TraceContext::parse("0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"));
}

TEST(TraceContextTest, RejectsNonHex) {
    EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
    EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"));
    EXPECT_FALSE(TraceContext::parse("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"));
}

TEST(TraceContextTest, RejectsAllZeroIds) {
    EXPECT_FALSE(TraceContext::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
    EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(TraceContextTest, RejectsVersionFf) {
    EXPECT_FALSE(TraceContext::parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceContextTest, AcceptsLaterVersionsWithExtraFields) {
    auto context = TraceContext::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future");
    ASSERT_TRUE(context.has_value());
    EXPECT_EQ(context->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_FALSE(TraceContext::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01future"));
}

TEST(TraceContextTest, ChildKeepsTraceAndFlagsAndChangesSpan) {
    auto parent = TraceContext::parse(kValid);
    ASSERT_TRUE(parent.has_value());
    TraceContext child = parent->child();
    EXPECT_EQ(child.trace_id, parent->trace_id);
    EXPECT_EQ(child.flags, parent->flags);
    EXPECT_NE(child.span_id, parent->span_id);
    EXPECT_EQ(child.span_id.size(), 16u);
    EXPECT_TRUE(is_lower_hex(child.span_id)) << child.span_id;
    EXPECT_TRUE(TraceContext::parse(child.header()).has_value()) << child.header();
}

TEST(TraceContextTest, GenerateMakesAParseableContext) {
    TraceContext context = TraceContext::generate();
    EXPECT_EQ(context.trace_id.size(), 32u);
    EXPECT_EQ(context.span_id.size(), 16u);
    EXPECT_TRUE(is_lower_hex(context.trace_id)) << context.trace_id;
    EXPECT_TRUE(is_lower_hex(context.span_id)) << context.span_id;
    auto parsed = TraceContext::parse(context.header());
    ASSERT_TRUE(parsed.has_value()) << context.header();
    EXPECT_EQ(parsed->trace_id, context.trace_id);
    EXPECT_EQ(parsed->span_id, context.span_id);
    EXPECT_NE(TraceContext::generate().trace_id, context.trace_id);
}

TEST(RandomHexTest, HasTheRequestedLengthAndAlphabet) {
    for (std::size_t digits : {1u, 16u, 32u, 64u}) {
        std::string hex = random_hex(digits);
        EXPECT_EQ(hex.size(), digits);
        EXPECT_TRUE(is_lower_hex(hex)) << hex;
        EXPECT_NE(hex, std::string(digits, '0'));
    }
}

}  // namespace
}  // namespace vg::obs
