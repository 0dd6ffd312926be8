#include "net/request.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace vg::net {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (plus_is_space && c == '+') ? ' ' : c;
    }
    return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq), true) == name) {
            return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
        }
    }
    return std::nullopt;
}

std::string Request::content_type() const {
    std::string_view value = header("Content-Type");
    value = value.substr(0, value.find(';'));
    std::string out;
    for (char c : value) {
        if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

Response Response::json(int status, const nlohmann::json& body) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", "application/json");
    // Model output may hold invalid UTF-8: replace it rather than fail, a response must be valid JSON.
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
}

Response Response::text(int status, std::string body, std::string content_type) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", std::move(content_type));
    response.body = std::move(body);
    return response;
}

Response Response::error(int status, const std::string& code, const std::string& message, const std::string& request_id,
                         int retry_after_seconds) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", "application/json");
    if (retry_after_seconds > 0 || status == 429 || status == 503) {
        response.headers.set("Retry-After", std::to_string(std::max(retry_after_seconds, 1)));
    }
    response.body = error_body(code, message, request_id);
    return response;
}

Response Response::overloaded(const std::string& code, const std::string& message, const std::string& request_id,
                              int retry_after_seconds) {
    Response response = error(503, code, message, request_id, retry_after_seconds);
    response.headers.set(kOverloadedHeader, "1");
    return response;
}

void propagate_context(Request& request, Headers& outgoing) {
    outgoing.set("traceparent", request.trace_context().child().header());
    if (!request.request_id.empty()) outgoing.set("X-Request-Id", request.request_id);
}

Handler sync_handler(SyncHandler handler) {
    return [handler = std::move(handler)](Request& request, std::shared_ptr<Exchange> exchange) {
        exchange->respond(handler(request));
    };
}

}  // namespace vg::net
