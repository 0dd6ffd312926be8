#include "services/gateway/client_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vg::services::gateway {
namespace {

net::Request from(std::string peer, std::vector<std::string> forwarded_for = {}) {
    net::Request request;
    request.remote_address = std::move(peer);
    for (auto& value : forwarded_for) request.headers.add("X-Forwarded-For", std::move(value));
    return request;
}

const std::vector<std::string> kProxies{"10.0.0.5", "10.0.0.6", "::1"};

TEST(PeerHostTest, StripsThePort) {
    EXPECT_EQ(peer_host("1.2.3.4:5"), "1.2.3.4");
    EXPECT_EQ(peer_host("1.2.3.4:65535"), "1.2.3.4");
    EXPECT_EQ(peer_host("[::1]:8"), "::1");
    EXPECT_EQ(peer_host("[2001:db8::7]:443"), "2001:db8::7");
}

TEST(PeerHostTest, LeavesAnAddressWithoutAPortAlone) {
    EXPECT_EQ(peer_host("1.2.3.4"), "1.2.3.4");
    EXPECT_EQ(peer_host("::1"), "::1");
    EXPECT_EQ(peer_host("2001:db8::7"), "2001:db8::7");
    EXPECT_EQ(peer_host(""), "");
}

TEST(ClientAddressTest, WithoutTrustedProxiesThePeerIsTheClient) {
    EXPECT_EQ(client_address(from("1.2.3.4:5"), {}), "1.2.3.4");
    EXPECT_EQ(client_address(from("1.2.3.4:5", {"9.9.9.9"}), {}), "1.2.3.4");
    EXPECT_EQ(client_address(from("[2001:db8::7]:8"), {}), "2001:db8::7");
}

TEST(ClientAddressTest, UntrustedPeerIgnoresXForwardedFor) {
    EXPECT_EQ(client_address(from("1.2.3.4:5", {"9.9.9.9"}), kProxies), "1.2.3.4");
    EXPECT_EQ(client_address(from("1.2.3.4:5", {"10.0.0.5"}), kProxies), "1.2.3.4");
}

TEST(ClientAddressTest, TrustedProxyNamesTheClient) {
    EXPECT_EQ(client_address(from("10.0.0.5:40000", {"203.0.113.7"}), kProxies), "203.0.113.7");
    EXPECT_EQ(client_address(from("[::1]:8", {"203.0.113.7"}), kProxies), "203.0.113.7");
}

TEST(ClientAddressTest, TrustedProxyWithoutXForwardedForIsTheClient) {
    EXPECT_EQ(client_address(from("10.0.0.5:40000"), kProxies), "10.0.0.5");
}

TEST(ClientAddressTest, ChainOfTrustedProxiesIsWalkedFromTheRight) {
    // client -> 10.0.0.6 -> 10.0.0.5 -> gateway
    EXPECT_EQ(client_address(from("10.0.0.5:1", {"203.0.113.7, 10.0.0.6"}), kProxies), "203.0.113.7");
}

TEST(ClientAddressTest, SpoofedLeftMostEntriesAreNotBelieved) {
    // The client sent "X-Forwarded-For: 1.1.1.1, 10.0.0.6"; the proxy appended what it saw.
    EXPECT_EQ(client_address(from("10.0.0.5:1", {"1.1.1.1, 10.0.0.6, 203.0.113.7"}), kProxies), "203.0.113.7");
    EXPECT_EQ(client_address(from("10.0.0.5:1", {"1.1.1.1,203.0.113.7 ,10.0.0.6"}), kProxies), "203.0.113.7");
}

TEST(ClientAddressTest, SeparateFieldsReadAsOneList) {
    // A proxy that adds its own field (HAProxy's option forwardfor) leaves the client's field first.
    EXPECT_EQ(client_address(from("10.0.0.5:1", {"1.1.1.1", "203.0.113.7"}), kProxies), "203.0.113.7");
    EXPECT_EQ(client_address(from("10.0.0.5:1", {"1.1.1.1, 2.2.2.2", "203.0.113.7, 10.0.0.6"}), kProxies),
              "203.0.113.7");
}

TEST(ClientAddressTest, EmptyEntriesAreSkipped) {
    EXPECT_EQ(client_address(from("10.0.0.5:1", {"203.0.113.7, , "}), kProxies), "203.0.113.7");
    EXPECT_EQ(client_address(from("10.0.0.5:1", {""}), kProxies), "10.0.0.5");
}

TEST(ClientAddressTest, AllTrustedFallsBackToTheLeftMostProxy) {
    EXPECT_EQ(client_address(from("10.0.0.5:1", {"10.0.0.6"}), kProxies), "10.0.0.6");
}

}  // namespace
}  // namespace vg::services::gateway
