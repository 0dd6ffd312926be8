#include "services/gateway/route_table.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace vg::services::gateway {
namespace {

RouteConfig route(std::string name, std::string prefix, std::optional<std::string> rewrite = std::nullopt) {
    RouteConfig r;
    r.name = std::move(name);
    r.prefix = std::move(prefix);
    r.upstream = "business";
    r.rewrite = std::move(rewrite);
    return r;
}

// The name of the route `path` matches, or "" for none.
std::string matched(const RouteTable& table, std::string_view path) {
    const RouteConfig* r = table.match(path);
    return r ? r->name : "";
}

TEST(RouteTableTest, LongestPrefixWinsWhateverTheConfigOrder) {
    RouteTable table({route("api", "/api/"), route("model", "/api/model/"), route("chat", "/api/model/chat/")});
    EXPECT_EQ(matched(table, "/api/model/chat/completions"), "chat");
    EXPECT_EQ(matched(table, "/api/model/infer"), "model");
    EXPECT_EQ(matched(table, "/api/other"), "api");
    EXPECT_EQ(matched(table, "/v1/models"), "");
    EXPECT_EQ(matched(table, "/"), "");
    EXPECT_EQ(matched(table, ""), "");
}

TEST(RouteTableTest, KeepsTheRoutesLongestPrefixFirst) {
    RouteTable table({route("a", "/a"), route("abc", "/a/b/c"), route("ab", "/a/b")});
    ASSERT_EQ(table.routes().size(), 3u);
    EXPECT_EQ(table.routes()[0].name, "abc");
    EXPECT_EQ(table.routes()[1].name, "ab");
    EXPECT_EQ(table.routes()[2].name, "a");
}

TEST(RouteTableTest, PrefixWithoutSlashMatchesOnlyAtASegmentBoundary) {
    RouteTable table({route("results", "/api/results")});
    EXPECT_EQ(matched(table, "/api/results"), "results");
    EXPECT_EQ(matched(table, "/api/results/"), "results");
    EXPECT_EQ(matched(table, "/api/results/7"), "results");
    EXPECT_EQ(matched(table, "/api/resultsx"), "");
    EXPECT_EQ(matched(table, "/api/results-old/7"), "");
    EXPECT_EQ(matched(table, "/api/result"), "");
}

TEST(RouteTableTest, PrefixWithSlashNeedsTheSlash) {
    RouteTable table({route("model", "/api/model/")});
    EXPECT_EQ(matched(table, "/api/model/x"), "model");
    EXPECT_EQ(matched(table, "/api/model/"), "model");
    EXPECT_EQ(matched(table, "/api/model"), "");
    EXPECT_EQ(matched(table, "/api/modelx/"), "");
}

TEST(RouteTableTest, SegmentBoundaryLetsAShorterPrefixWin) {
    RouteTable table({route("api", "/api"), route("results", "/api/results")});
    EXPECT_EQ(matched(table, "/api/resultsx"), "api");
    EXPECT_EQ(matched(table, "/api/results/1"), "results");
}

TEST(RouteTableTest, EmptyTableMatchesNothing) {
    RouteTable table({});
    EXPECT_EQ(table.match("/anything"), nullptr);
}

// --- upstream targets ----------------------------------------------------------------------------

TEST(RouteTableTest, NoRewriteForwardsTheTargetAsSent) {
    const auto r = route("model", "/api/model/");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/model/infer?x=1&y=%20"), "/api/model/infer?x=1&y=%20");
}

TEST(RouteTableTest, EmptyRewriteStripsThePrefix) {
    const auto r = route("model", "/api/model/", "");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/model/v1/infer"), "/v1/infer");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/model/v1/infer?stream=true"), "/v1/infer?stream=true");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/model/"), "/");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/model/?q=1"), "/?q=1");
}

TEST(RouteTableTest, EmptyRewriteOfASlashlessPrefix) {
    const auto r = route("results", "/api/results", "");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/results"), "/");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/results/7"), "/7");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/results?page=2"), "/?page=2");
}

TEST(RouteTableTest, RewriteReplacesThePrefix) {
    const auto with_slash = route("model", "/api/model/", "/internal/v2/");
    EXPECT_EQ(RouteTable::upstream_target(with_slash, "/api/model/infer?x=1"), "/internal/v2/infer?x=1");
    EXPECT_EQ(RouteTable::upstream_target(with_slash, "/api/model/"), "/internal/v2/");

    const auto without_slash = route("model", "/api/model/", "/internal/v2");
    EXPECT_EQ(RouteTable::upstream_target(without_slash, "/api/model/infer?x=1"), "/internal/v2/infer?x=1");
    EXPECT_EQ(RouteTable::upstream_target(without_slash, "/api/model/?x=1"), "/internal/v2?x=1");

    const auto slashless_prefix = route("results", "/api/results", "/results");
    EXPECT_EQ(RouteTable::upstream_target(slashless_prefix, "/api/results"), "/results");
    EXPECT_EQ(RouteTable::upstream_target(slashless_prefix, "/api/results/7?full=1"), "/results/7?full=1");
    EXPECT_EQ(RouteTable::upstream_target(slashless_prefix, "/api/results?page=2"), "/results?page=2");

    const auto into_slash = route("results", "/api/results", "/v2/");
    EXPECT_EQ(RouteTable::upstream_target(into_slash, "/api/results/7"), "/v2/7");
}

TEST(RouteTableTest, RewriteWithoutALeadingSlashGetsOne) {
    const auto r = route("model", "/api/model/", "v2");
    EXPECT_EQ(RouteTable::upstream_target(r, "/api/model/x"), "/v2/x");
}

// --- suspicious paths ----------------------------------------------------------------------------

TEST(SuspiciousPathTest, DotSegments) {
    EXPECT_TRUE(is_suspicious_path("/a/../b"));
    EXPECT_TRUE(is_suspicious_path("/a/./b"));
    EXPECT_TRUE(is_suspicious_path("/.."));
    EXPECT_TRUE(is_suspicious_path("/."));
    EXPECT_TRUE(is_suspicious_path("/a/.."));
    EXPECT_TRUE(is_suspicious_path("/a/."));
    EXPECT_TRUE(is_suspicious_path("../a"));
    EXPECT_TRUE(is_suspicious_path("/api/model/../../admin"));
}

TEST(SuspiciousPathTest, EmptySegmentsBackslashesAndNul) {
    EXPECT_TRUE(is_suspicious_path("//"));
    EXPECT_TRUE(is_suspicious_path("//evil.example.com/x"));
    EXPECT_TRUE(is_suspicious_path("/api//model"));
    EXPECT_TRUE(is_suspicious_path("/a\\..\\b"));
    EXPECT_TRUE(is_suspicious_path("/a\\b"));
    EXPECT_TRUE(is_suspicious_path(std::string_view("/a\0b", 4)));
}

TEST(SuspiciousPathTest, OrdinaryPathsPass) {
    EXPECT_FALSE(is_suspicious_path("/"));
    EXPECT_FALSE(is_suspicious_path(""));
    EXPECT_FALSE(is_suspicious_path("/api/model/infer"));
    EXPECT_FALSE(is_suspicious_path("/api/results/"));
    EXPECT_FALSE(is_suspicious_path("/a..b"));
    EXPECT_FALSE(is_suspicious_path("/a/..b/c"));
    EXPECT_FALSE(is_suspicious_path("/a/b../c"));
    EXPECT_FALSE(is_suspicious_path("/.well-known/x"));
    EXPECT_FALSE(is_suspicious_path("/files/report.v2.pdf"));
    EXPECT_FALSE(is_suspicious_path("/a/..."));
}

}  // namespace
}  // namespace vg::services::gateway
