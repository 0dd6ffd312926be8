#include "net/router.hpp"

#include <memory>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vg::net {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Handler noop() {
    return [](Request&, std::shared_ptr<Exchange>) {};
}

class RouterTest : public ::testing::Test {
protected:
    void add(const std::string& method, const std::string& pattern) { router_.add(method, pattern, noop()); }
    // The pattern of the route that matched, or "" for none.
    std::string matched(std::string_view method, std::string_view path) const {
        auto match = router_.match(method, path);
        return match.route ? match.route->pattern : "";
    }

    Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
    add("GET", "/health");
    add("GET", "/v1/models");
    auto match = router_.match("GET", "/v1/models");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->pattern, "/v1/models");
    EXPECT_EQ(match.route->method, "GET");
    EXPECT_THAT(match.params, IsEmpty());
    EXPECT_THAT(match.allowed_methods, IsEmpty());
    EXPECT_EQ(matched("GET", "/health"), "/health");
}

TEST_F(RouterTest, NoMatchHasNoRouteAndNoAllowedMethods) {
    add("GET", "/health");
    auto match = router_.match("GET", "/healthz");
    EXPECT_EQ(match.route, nullptr);
    EXPECT_THAT(match.allowed_methods, IsEmpty());
    EXPECT_EQ(matched("GET", "/"), "");
    EXPECT_EQ(matched("GET", "/health/extra"), "");
    EXPECT_EQ(matched("GET", ""), "");
}

TEST_F(RouterTest, RootRoute) {
    add("GET", "/");
    EXPECT_EQ(matched("GET", "/"), "/");
    EXPECT_EQ(matched("GET", "/x"), "");
}

TEST_F(RouterTest, CapturesParams) {
    add("GET", "/v1/models/{model}/versions/{version}");
    auto match = router_.match("GET", "/v1/models/yolo/versions/3");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.params, (std::map<std::string, std::string>{{"model", "yolo"}, {"version", "3"}}));
}

TEST_F(RouterTest, ParamDoesNotMatchAnEmptyOrMissingSegment) {
    add("GET", "/v1/models/{model}");
    EXPECT_EQ(matched("GET", "/v1/models/"), "");
    EXPECT_EQ(matched("GET", "/v1/models"), "");
    EXPECT_EQ(matched("GET", "/v1/models/a/b"), "");
}

TEST_F(RouterTest, CatchAllCapturesTheRestOfThePath) {
    add("GET", "/static/{path...}");
    auto match = router_.match("GET", "/static/css/site/main.css");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.params.at("path"), "css/site/main.css");
    EXPECT_EQ(router_.match("GET", "/static/a").params.at("path"), "a");
}

TEST_F(RouterTest, CatchAllNeedsItsSegment) {
    add("GET", "/static/{path...}");
    EXPECT_EQ(matched("GET", "/static"), "");
    // Documented behaviour: "/static/" has one empty segment after the prefix, which the catch-all takes.
    auto match = router_.match("GET", "/static/");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.params.at("path"), "");
}

TEST_F(RouterTest, CatchAllAfterParams) {
    add("POST", "/v1/{tenant}/files/{rest...}");
    auto match = router_.match("POST", "/v1/acme/files/a/b");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.params, (std::map<std::string, std::string>{{"rest", "a/b"}, {"tenant", "acme"}}));
}

TEST_F(RouterTest, OtherMethodsOnTheSamePathGive405WithAllowedMethods) {
    add("GET", "/v1/items");
    add("POST", "/v1/items");
    add("GET", "/v1/items/{id}");
    add("DELETE", "/v1/other");
    auto match = router_.match("DELETE", "/v1/items");
    EXPECT_EQ(match.route, nullptr);
    EXPECT_THAT(match.allowed_methods, ElementsAre("GET", "POST"));
}

TEST_F(RouterTest, AllowedMethodsAreListedOnceAcrossPatterns) {
    add("GET", "/v1/items/{id}");
    add("GET", "/v1/items/{name...}");
    add("PUT", "/v1/items/{id}");
    auto match = router_.match("POST", "/v1/items/7");
    EXPECT_EQ(match.route, nullptr);
    EXPECT_THAT(match.allowed_methods, ElementsAre("GET", "PUT"));
}

TEST_F(RouterTest, MatchingMethodWinsEvenAfterOtherMethods) {
    add("GET", "/v1/items");
    add("POST", "/v1/items");
    auto match = router_.match("POST", "/v1/items");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->method, "POST");
    EXPECT_THAT(match.allowed_methods, IsEmpty());
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
    add("GET", "/x");
    auto match = router_.match("get", "/x");
    EXPECT_EQ(match.route, nullptr);
    EXPECT_THAT(match.allowed_methods, ElementsAre("GET"));
}

TEST_F(RouterTest, LiteralRouteBeatsAParamRouteRegisteredBeforeIt) {
    add("GET", "/v1/models/{id}");
    add("GET", "/v1/models/default");
    auto literal = router_.match("GET", "/v1/models/default");
    ASSERT_NE(literal.route, nullptr);
    EXPECT_EQ(literal.route->pattern, "/v1/models/default");
    EXPECT_TRUE(literal.params.empty());
    auto param = router_.match("GET", "/v1/models/other");
    ASSERT_NE(param.route, nullptr);
    EXPECT_EQ(param.route->pattern, "/v1/models/{id}");
    EXPECT_EQ(param.params.at("id"), "other");
}

TEST_F(RouterTest, AmongParamRoutesTheFirstRegisteredWins) {
    add("GET", "/a/{x}");
    add("GET", "/a/{y}");
    auto match = router_.match("GET", "/a/1");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->pattern, "/a/{x}");
}

TEST_F(RouterTest, TrailingSlashIsSignificant) {
    // Documented behaviour: "/a" and "/a/" are different paths; neither is redirected or normalised.
    add("GET", "/health");
    add("GET", "/dir/");
    EXPECT_EQ(matched("GET", "/health"), "/health");
    EXPECT_EQ(matched("GET", "/health/"), "");
    EXPECT_EQ(matched("GET", "/dir/"), "/dir/");
    EXPECT_EQ(matched("GET", "/dir"), "");
}

TEST_F(RouterTest, DuplicateRouteThrows) {
    add("GET", "/v1/items");
    EXPECT_THROW(add("GET", "/v1/items"), std::invalid_argument);
    EXPECT_NO_THROW(add("POST", "/v1/items"));
    EXPECT_EQ(router_.routes().size(), 2u);
}

TEST_F(RouterTest, PatternMustStartWithSlash) {
    EXPECT_THROW(add("GET", "health"), std::invalid_argument);
    EXPECT_THROW(add("GET", ""), std::invalid_argument);
    EXPECT_TRUE(router_.routes().empty());
}

TEST_F(RouterTest, LiteralBracesAreNotParams) {
    add("GET", "/v1/{}");
    EXPECT_EQ(matched("GET", "/v1/{}"), "/v1/{}");
    EXPECT_EQ(matched("GET", "/v1/x"), "");
}

TEST_F(RouterTest, GetRegistersASyncGetRoute) {
    router_.get("/ping", [](Request&) { return Response::text(200, "pong"); });
    ASSERT_EQ(router_.routes().size(), 1u);
    EXPECT_EQ(router_.routes()[0].method, "GET");
    EXPECT_EQ(router_.routes()[0].pattern, "/ping");
    EXPECT_TRUE(static_cast<bool>(router_.routes()[0].handler));
}

TEST_F(RouterTest, RouteOptionsAreKept) {
    RouteOptions options;
    options.body_limit = 1024;
    options.content_types = {"image/png"};
    router_.add("POST", "/upload", noop(), options);
    auto match = router_.match("POST", "/upload");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->options.body_limit, 1024u);
    EXPECT_THAT(match.route->options.content_types, ElementsAre("image/png"));
}

}  // namespace
}  // namespace vg::net
