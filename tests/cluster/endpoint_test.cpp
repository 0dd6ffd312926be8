#include "cluster/endpoint.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace vg::cluster {
namespace {

TEST(EndpointTest, IdIsHostColonPort) {
    EXPECT_EQ((Endpoint{"detector", 8080}).id(), "detector:8080");
    EXPECT_EQ((Endpoint{"10.0.0.7", 80}).id(), "10.0.0.7:80");
}

TEST(EndpointTest, IdBracketsIpv6) {
    EXPECT_EQ((Endpoint{"::1", 8080}).id(), "[::1]:8080");
    EXPECT_EQ((Endpoint{"fd00::7", 443}).id(), "[fd00::7]:443");
}

TEST(EndpointTest, EqualityComparesEveryField) {
    EXPECT_EQ((Endpoint{"a", 1, 2}), (Endpoint{"a", 1, 2}));
    EXPECT_NE((Endpoint{"a", 1, 2}), (Endpoint{"a", 1, 3}));
    EXPECT_NE((Endpoint{"a", 1}), (Endpoint{"a", 2}));
}

TEST(ParseEndpointTest, NameAndPort) {
    const Endpoint e = parse_endpoint("detector-1.svc_local:8080");
    EXPECT_EQ(e.host, "detector-1.svc_local");
    EXPECT_EQ(e.port, 8080);
    EXPECT_EQ(e.weight, 1);
}

TEST(ParseEndpointTest, Ipv4AndWeight) {
    EXPECT_EQ(parse_endpoint("127.0.0.1:65535", 3), (Endpoint{"127.0.0.1", 65535, 3}));
}

TEST(ParseEndpointTest, BracketedIpv6) {
    const Endpoint e = parse_endpoint("[::1]:9000");
    EXPECT_EQ(e.host, "::1");
    EXPECT_EQ(e.port, 9000);
    EXPECT_EQ(parse_endpoint("[::ffff:10.0.0.1]:1").host, "::ffff:10.0.0.1");
}

TEST(ParseEndpointTest, RoundTripsThroughId) {
    for (const char* text : {"a:1", "10.1.2.3:8080", "[fd00::1]:443"}) EXPECT_EQ(parse_endpoint(text).id(), text);
}

void expect_invalid(const std::string& text, const std::string& why) {
    try {
        parse_endpoint(text);
        ADD_FAILURE() << "'" << text << "' was accepted";
    } catch (const std::invalid_argument& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("'" + text + "'"), std::string::npos) << message;
        EXPECT_NE(message.find(why), std::string::npos) << message;
    }
}

TEST(ParseEndpointTest, RejectsMissingPort) {
    expect_invalid("detector", "missing port");
    expect_invalid("detector:", "missing port");
    expect_invalid("[::1]", "missing port");
    expect_invalid("[::1]:", "missing port");
}

TEST(ParseEndpointTest, RejectsInvalidPort) {
    expect_invalid("detector:http", "decimal");
    expect_invalid("detector:80x", "decimal");
    expect_invalid("detector:-1", "decimal");
    expect_invalid("detector:+80", "decimal");
    expect_invalid("detector:0", "1-65535");
    expect_invalid("detector:65536", "1-65535");
    expect_invalid("detector:99999999999999999999", "1-65535");
}

TEST(ParseEndpointTest, RejectsEmptyHost) {
    expect_invalid(":8080", "empty host");
    expect_invalid("[]:8080", "empty host");
    expect_invalid("", "missing port");
}

TEST(ParseEndpointTest, RejectsUnbracketedOrMalformedIpv6) {
    expect_invalid("::1:8080", "in brackets");
    expect_invalid("[::1:8080", "unterminated");
    expect_invalid("[detector]:80", "IPv6");
    expect_invalid("[::1]x:80", "missing port");
}

TEST(ParseEndpointTest, RejectsCharactersThatWouldBreakAUrl) {
    expect_invalid("user@host:80", "invalid character");
    expect_invalid("host/path:80", "invalid character");
    expect_invalid("ho st:80", "invalid character");
    expect_invalid("http://host:80", "invalid character");
}

}  // namespace
}  // namespace vg::cluster
