#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vg::services::business {

// The header a job webhook carries so its receiver can tell it came from us and is fresh:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>' under the shared secret>". Signing the time
// with the body lets a receiver refuse a replayed delivery by its age.
inline constexpr const char* kWebhookSignatureHeader = "X-VisionGrid-Signature";

std::string sign_webhook(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace vg::services::business
