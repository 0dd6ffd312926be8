#include "net/headers.hpp"

#include <string>

#include <gtest/gtest.h>

namespace vg::net {
namespace {

TEST(HeadersTest, LookupIsCaseInsensitive) {
    Headers headers;
    headers.add("Content-Type", "application/json");
    ASSERT_TRUE(headers.get("content-type").has_value());
    EXPECT_EQ(*headers.get("CONTENT-TYPE"), "application/json");
    EXPECT_TRUE(headers.contains("Content-type"));
    EXPECT_FALSE(headers.contains("Content-Length"));
    EXPECT_FALSE(headers.get("Content-Length").has_value());
}

TEST(HeadersTest, AddKeepsDuplicatesInOrderAndGetReturnsTheFirst) {
    Headers headers;
    headers.add("Set-Cookie", "a=1");
    headers.add("X-Other", "x");
    headers.add("set-cookie", "b=2");
    ASSERT_EQ(headers.fields().size(), 3u);
    EXPECT_EQ(headers.fields()[0], (Headers::Field{"Set-Cookie", "a=1"}));
    EXPECT_EQ(headers.fields()[2], (Headers::Field{"set-cookie", "b=2"}));
    EXPECT_EQ(*headers.get("Set-Cookie"), "a=1");
}

TEST(HeadersTest, SetReplacesEveryFieldOfThatName) {
    Headers headers;
    headers.add("Vary", "a");
    headers.add("X-Keep", "k");
    headers.add("VARY", "b");
    headers.set("vary", "c");
    ASSERT_EQ(headers.fields().size(), 2u);
    EXPECT_EQ(*headers.get("Vary"), "c");
    EXPECT_EQ(*headers.get("X-Keep"), "k");
}

TEST(HeadersTest, RemoveDeletesEveryFieldOfThatName) {
    Headers headers;
    headers.add("A", "1");
    headers.add("b", "2");
    headers.add("a", "3");
    headers.remove("A");
    ASSERT_EQ(headers.fields().size(), 1u);
    EXPECT_EQ(headers.fields()[0].first, "b");
    headers.remove("missing");
    EXPECT_EQ(headers.fields().size(), 1u);
}

TEST(HeadersTest, GetOrFallsBack) {
    Headers headers;
    headers.add("Empty", "");
    EXPECT_EQ(headers.get_or("Missing", "fallback"), "fallback");
    EXPECT_EQ(headers.get_or("empty", "fallback"), "");
}

TEST(HeadersTest, IteratesInInsertionOrder) {
    Headers headers;
    headers.add("One", "1");
    headers.add("Two", "2");
    std::string seen;
    for (const auto& [name, value] : headers) seen += name + "=" + value + ";";
    EXPECT_EQ(seen, "One=1;Two=2;");
}

TEST(IequalsTest, ComparesAsciiCaseInsensitively) {
    EXPECT_TRUE(iequals("Content-Length", "content-length"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("Content-Length", "Content-Lengths"));
    EXPECT_FALSE(iequals("abc", "abd"));
}

}  // namespace
}  // namespace vg::net
