#include "net/url.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace vg::net {
namespace {

TEST(ParseUrl, DefaultsPortAndTarget) {
    const Url http = parse_url("http://example.com");
    EXPECT_EQ(http.scheme, "http");
    EXPECT_EQ(http.host, "example.com");
    EXPECT_EQ(http.port, 80);
    EXPECT_EQ(http.target, "/");
    EXPECT_FALSE(http.is_tls());

    const Url https = parse_url("https://example.com/");
    EXPECT_EQ(https.port, 443);
    EXPECT_TRUE(https.is_tls());
}

TEST(ParseUrl, ExplicitPortPathAndQuery) {
    const Url url = parse_url("http://10.0.0.7:8081/v1/detect?model=yolo&x=%20");
    EXPECT_EQ(url.host, "10.0.0.7");
    EXPECT_EQ(url.port, 8081);
    EXPECT_EQ(url.target, "/v1/detect?model=yolo&x=%20");
    EXPECT_EQ(url.host_header(), "10.0.0.7:8081");
    EXPECT_EQ(url.origin(), "http://10.0.0.7:8081");
}

TEST(ParseUrl, QueryWithoutPathGetsSlash) {
    EXPECT_EQ(parse_url("http://h?a=1").target, "/?a=1");
}

TEST(ParseUrl, FragmentIsDropped) {
    EXPECT_EQ(parse_url("http://h/p?q=1#frag").target, "/p?q=1");
}

TEST(ParseUrl, SchemeAndHostAreCaseInsensitive) {
    const Url url = parse_url("HTTPS://Example.COM:8443/Path");
    EXPECT_EQ(url.scheme, "https");
    EXPECT_EQ(url.host, "example.com");
    EXPECT_EQ(url.target, "/Path");  // paths are case-sensitive
}

TEST(ParseUrl, Ipv6Literal) {
    const Url url = parse_url("http://[::1]:8080/x");
    EXPECT_EQ(url.host, "::1");
    EXPECT_EQ(url.port, 8080);
    EXPECT_EQ(url.target, "/x");
    EXPECT_EQ(url.host_header(), "[::1]:8080");
    EXPECT_EQ(parse_url("https://[2001:db8::7]").host_header(), "[2001:db8::7]");
}

TEST(ParseUrl, HostHeaderOmitsDefaultPort) {
    EXPECT_EQ(parse_url("http://h:80/").host_header(), "h");
    EXPECT_EQ(parse_url("https://h:443/").host_header(), "h");
    EXPECT_EQ(parse_url("https://h:80/").host_header(), "h:80");
}

class ParseUrlRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseUrlRejects, Garbage) {
    try {
        parse_url(GetParam());
        FAIL() << "accepted " << GetParam();
    } catch (const ClientError& e) {
        EXPECT_EQ(e.code(), "invalid_url");
    }
}

INSTANTIATE_TEST_SUITE_P(Urls, ParseUrlRejects,
                         ::testing::Values("", "example.com", "localhost:80", "ftp://h/", "http://", "http:///x",
                                           "http://:80/", "http://h:0/", "http://h:65536/", "http://h:8a/",
                                           "http://h:/", "http://user:pw@h/", "http://[::1/", "http://[]/",
                                           "http://[::1]x/", "http://[zz::1]/", "http://h/a b", "http://h/\r\nX: y",
                                           "http://h h/", "http://h%41/"));

}  // namespace
}  // namespace vg::net
