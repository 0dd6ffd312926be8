#include "engine/remote/upstream_error.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "engine/text/utf8_stream.hpp"

namespace vg::engine {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMessageBytes = 500;
constexpr int kDefaultRetryAfter = 1;
constexpr int kMaxRetryAfter = 3600;

// The first string found at error.message, error, message, detail.
std::optional<std::string> message_field(const json& body) {
    if (!body.is_object()) return std::nullopt;
    if (const auto error = body.find("error"); error != body.end()) {
        if (error->is_string()) return error->get<std::string>();
        if (error->is_object()) {
            if (const auto message = error->find("message"); message != error->end() && message->is_string()) {
                return message->get<std::string>();
            }
        }
    }
    for (const char* key : {"message", "detail"}) {
        if (const auto field = body.find(key); field != body.end() && field->is_string())
            return field->get<std::string>();
    }
    return std::nullopt;
}

std::string capped(std::string_view text) {
    std::string out = sanitize_utf8(text.substr(0, std::min(text.size(), kMaxMessageBytes)));
    // The cut may have split a character into U+FFFD; harmless in a message.
    if (text.size() > kMaxMessageBytes) out += "…";
    return out;
}

}  // namespace

std::string upstream_error_message(std::string_view body) {
    const json parsed = json::parse(body, nullptr, false);
    if (!parsed.is_discarded()) {
        if (auto message = message_field(parsed)) return capped(trim(*message));
    }
    const std::string_view text = trim(body);
    return text.empty() ? "no details given" : capped(text);
}

int retry_after_seconds(std::optional<std::string_view> header) {
    if (!header) return kDefaultRetryAfter;
    const std::string_view text = trim(*header);
    int seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc{} || end != text.data() + text.size() || seconds < 1) return kDefaultRetryAfter;
    return std::min(seconds, kMaxRetryAfter);
}

InferenceError error_for_status(int status, std::string_view body, const net::Headers& headers) {
    const std::string detail = "upstream answered " + std::to_string(status) + ": " + upstream_error_message(body);
    if (status == 400 || status == 413 || status == 422) return {"upstream_rejected", detail, 400, 0};
    if (status == 429 || status == 503) {
        return {"upstream_busy", detail, 503, retry_after_seconds(headers.get("Retry-After"))};
    }
    return {"upstream_error", detail, 502, 0};
}

InferenceError error_for_transport(net::ClientErrorKind kind, std::string_view message) {
    const std::string detail(message);
    switch (kind) {
        case net::ClientErrorKind::kConnectFailed:
        case net::ClientErrorKind::kConnectTimeout:
        case net::ClientErrorKind::kTls:
            return {"upstream_unavailable", "upstream unreachable: " + detail, 503, kDefaultRetryAfter};
        case net::ClientErrorKind::kPoolExhausted:
            return {"upstream_busy", "too many requests waiting for the upstream: " + detail, 503, kDefaultRetryAfter};
        case net::ClientErrorKind::kTimeout: return {"upstream_timeout", "upstream too slow: " + detail, 504, 0};
        case net::ClientErrorKind::kProtocol:
        case net::ClientErrorKind::kResponseTooLarge:
            return {"upstream_protocol", "bad answer from upstream: " + detail, 502, 0};
        case net::ClientErrorKind::kCancelled: return cancelled_error();
        case net::ClientErrorKind::kClosed:
        case net::ClientErrorKind::kNone: break;
    }
    return {"upstream_error", "upstream failed: " + detail, 502, 0};
}

InferenceError cancelled_error() {
    return {"cancelled", "the request was cancelled", 499, 0};
}

}  // namespace vg::engine
