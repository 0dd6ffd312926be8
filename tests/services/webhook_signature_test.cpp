// The webhook signature checked the way a receiver would: HMAC-SHA256 over "<t>.<body>", computed
// here independently (tests/support's OpenSSL helper), hex-encoded.
#include "services/business/webhook_signature.hpp"

#include <gtest/gtest.h>

#include "support/jwt_tokens.hpp"

namespace vg::services::business {
namespace {

std::string hex(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 0xf];
    }
    return out;
}

TEST(WebhookSignatureTest, IsTheHmacOfTimestampDotBodyUnderTheSecret) {
    const std::string body = R"({"event":"job.finished","job":{"id":"01J"}})";
    const std::string signature = sign_webhook("a-shared-secret-of-32-bytes!!!!!", 1764000000, body);
    EXPECT_EQ(signature,
              "t=1764000000,v1=" + hex(test::hmac_sha256("a-shared-secret-of-32-bytes!!!!!", "1764000000." + body)));
}

TEST(WebhookSignatureTest, ChangesWithTheBodyTheTimeAndTheSecret) {
    const std::string base = sign_webhook("secret-one-0123456789", 100, "{}");
    EXPECT_NE(base, sign_webhook("secret-one-0123456789", 100, "{ }"));
    EXPECT_NE(base, sign_webhook("secret-one-0123456789", 101, "{}"));
    EXPECT_NE(base, sign_webhook("secret-two-0123456789", 100, "{}"));
    EXPECT_EQ(base.size(), std::string("t=100,v1=").size() + 64);
}

}  // namespace
}  // namespace vg::services::business
