#include "net/ip_ranges.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vg::net {
namespace {

struct AddressCase {
    std::string address;
    bool forbidden;
};

class ForbiddenAddressTest : public ::testing::TestWithParam<AddressCase> {};

TEST_P(ForbiddenAddressTest, Classifies) {
    const auto& c = GetParam();
    EXPECT_EQ(is_forbidden_address(boost::asio::ip::make_address(c.address)), c.forbidden) << c.address;
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, ForbiddenAddressTest,
    ::testing::Values(
        // IPv4: every forbidden range, at its edges, and the public neighbours just outside.
        AddressCase{"0.0.0.0", true}, AddressCase{"0.255.255.255", true}, AddressCase{"1.0.0.0", false},
        AddressCase{"10.0.0.1", true}, AddressCase{"10.255.255.255", true}, AddressCase{"11.0.0.0", false},
        AddressCase{"100.63.255.255", false}, AddressCase{"100.64.0.1", true}, AddressCase{"100.127.255.255", true},
        AddressCase{"100.128.0.0", false}, AddressCase{"127.0.0.1", true}, AddressCase{"127.255.255.254", true},
        AddressCase{"169.254.169.254", true}, AddressCase{"169.254.0.1", true}, AddressCase{"169.255.0.1", false},
        AddressCase{"172.15.255.255", false}, AddressCase{"172.16.0.1", true}, AddressCase{"172.31.255.255", true},
        AddressCase{"172.32.0.0", false}, AddressCase{"192.168.1.1", true}, AddressCase{"192.169.0.0", false},
        AddressCase{"192.0.0.8", true}, AddressCase{"192.0.2.1", true}, AddressCase{"198.18.0.1", true},
        AddressCase{"198.19.255.255", true}, AddressCase{"198.51.100.7", true}, AddressCase{"203.0.113.9", true},
        AddressCase{"224.0.0.1", true}, AddressCase{"239.255.255.250", true}, AddressCase{"240.0.0.1", true},
        AddressCase{"255.255.255.255", true}, AddressCase{"8.8.8.8", false}, AddressCase{"93.184.216.34", false},
        AddressCase{"223.255.255.255", false},
        // IPv6.
        AddressCase{"::", true}, AddressCase{"::1", true}, AddressCase{"::ffff:127.0.0.1", true},
        AddressCase{"::ffff:169.254.169.254", true}, AddressCase{"::ffff:10.1.2.3", true},
        AddressCase{"::ffff:8.8.8.8", false}, AddressCase{"::127.0.0.1", true}, AddressCase{"fc00::1", true},
        AddressCase{"fd12:3456::1", true}, AddressCase{"fe80::1", true}, AddressCase{"febf::1", true},
        AddressCase{"fec0::1", true}, AddressCase{"ff02::1", true}, AddressCase{"64:ff9b::7f00:1", true},
        AddressCase{"64:ff9b::808:808", false}, AddressCase{"2002:7f00:1::", true},
        AddressCase{"2002:808:808::", false}, AddressCase{"2001:db8::1", true}, AddressCase{"2001::1", true},
        AddressCase{"100::1", true}, AddressCase{"2606:4700:4700::1111", false},
        AddressCase{"2a00:1450:4001::1", false}));

}  // namespace
}  // namespace vg::net
