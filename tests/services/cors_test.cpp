#include "services/gateway/cors.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vg::services::gateway {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

CorsConfig config_for(std::vector<std::string> origins) {
    CorsConfig config;
    config.allowed_origins = std::move(origins);
    return config;
}

net::Request request(std::string method, std::string origin = "", bool asks_method = false) {
    net::Request r;
    r.method = std::move(method);
    r.target = r.path = "/api/model/infer";
    r.request_id = "req-1";
    if (!origin.empty()) r.headers.add("Origin", std::move(origin));
    if (asks_method) r.headers.add("Access-Control-Request-Method", "POST");
    return r;
}

net::Request preflight_from(std::string origin) {
    return request("OPTIONS", std::move(origin), true);
}

const std::string kConsole = "https://console.example.com";

TEST(CorsTest, PreflightFromAnAllowedOrigin) {
    Cors cors(config_for({kConsole}));
    auto response = cors.preflight(preflight_from(kConsole));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 204);
    EXPECT_EQ(response->headers.get_or("Access-Control-Allow-Origin", ""), kConsole);
    EXPECT_EQ(response->headers.get_or("Access-Control-Allow-Methods", ""), "GET, POST, PUT, DELETE, OPTIONS");
    EXPECT_EQ(response->headers.get_or("Access-Control-Allow-Headers", ""),
              "Authorization, Content-Type, X-API-Key, X-Request-Id");
    EXPECT_EQ(response->headers.get_or("Access-Control-Max-Age", ""), "600");
    EXPECT_EQ(response->headers.get_or("Vary", ""), "Origin");
    EXPECT_TRUE(response->body.empty());
}

TEST(CorsTest, PreflightUsesTheConfiguredLists) {
    CorsConfig config = config_for({kConsole});
    config.allowed_methods = {"GET"};
    config.allowed_headers = {"X-API-Key", "Content-Type"};
    config.max_age = 90s;
    Cors cors(config);
    auto response = cors.preflight(preflight_from(kConsole));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->headers.get_or("Access-Control-Allow-Methods", ""), "GET");
    EXPECT_EQ(response->headers.get_or("Access-Control-Allow-Headers", ""), "X-API-Key, Content-Type");
    EXPECT_EQ(response->headers.get_or("Access-Control-Max-Age", ""), "90");
}

TEST(CorsTest, PreflightFromAnotherOriginIsForbidden) {
    Cors cors(config_for({kConsole}));
    for (const std::string origin :
         {"https://evil.example.com", "https://console.example.com.evil.net", "http://console.example.com", "null"}) {
        auto response = cors.preflight(preflight_from(origin));
        ASSERT_TRUE(response) << origin;
        EXPECT_EQ(response->status, 403) << origin;
        EXPECT_THAT(response->body, HasSubstr("cors_origin_not_allowed"));
        EXPECT_FALSE(response->headers.contains("Access-Control-Allow-Origin")) << origin;
    }
}

TEST(CorsTest, WildcardAllowsAnyOrigin) {
    Cors cors(config_for({"*"}));
    auto response = cors.preflight(preflight_from("https://anywhere.example.org"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 204);
    EXPECT_EQ(response->headers.get_or("Access-Control-Allow-Origin", ""), "https://anywhere.example.org");

    net::Headers headers;
    cors.decorate(request("GET", "https://anywhere.example.org"), headers);
    EXPECT_EQ(headers.get_or("Access-Control-Allow-Origin", ""), "https://anywhere.example.org");
}

TEST(CorsTest, OneOfSeveralOrigins) {
    Cors cors(config_for({"https://a.example.com", kConsole}));
    auto response = cors.preflight(preflight_from(kConsole));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 204);
}

TEST(CorsTest, OptionsThatIsNotAPreflightIsLeftToTheRoute) {
    Cors cors(config_for({kConsole}));
    EXPECT_FALSE(cors.preflight(request("OPTIONS")));                   // no Origin
    EXPECT_FALSE(cors.preflight(request("OPTIONS", kConsole, false)));  // no Access-Control-Request-Method
    EXPECT_FALSE(cors.preflight(request("OPTIONS", "https://evil.example.com", false)));
    EXPECT_FALSE(cors.preflight(request("POST", kConsole, true)));  // not OPTIONS
}

TEST(CorsTest, DisabledWithoutOrigins) {
    Cors cors(CorsConfig{});
    EXPECT_FALSE(cors.enabled());
    EXPECT_FALSE(cors.preflight(preflight_from(kConsole)));
    net::Headers headers;
    cors.decorate(request("GET", kConsole), headers);
    EXPECT_TRUE(headers.fields().empty());
}

TEST(CorsTest, DecorateAddsHeadersForAnAllowedOrigin) {
    Cors cors(config_for({kConsole}));
    EXPECT_TRUE(cors.enabled());
    net::Headers headers;
    cors.decorate(request("POST", kConsole), headers);
    EXPECT_EQ(headers.get_or("Access-Control-Allow-Origin", ""), kConsole);
    EXPECT_EQ(headers.get_or("Access-Control-Expose-Headers", ""),
              "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After");
    EXPECT_EQ(headers.get_or("Vary", ""), "Origin");
}

TEST(CorsTest, DecorateLeavesOtherOriginsAndSameOriginRequestsAlone) {
    Cors cors(config_for({kConsole}));
    net::Headers headers;
    cors.decorate(request("POST", "https://evil.example.com"), headers);
    EXPECT_TRUE(headers.fields().empty());
    cors.decorate(request("POST"), headers);
    EXPECT_TRUE(headers.fields().empty());
}

}  // namespace
}  // namespace vg::services::gateway
