#include "net/detail/response_writer.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace vg::net::detail {
namespace {

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Payload Too Large";
        case 415: return "Unsupported Media Type";
        case 422: return "Unprocessable Entity";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 499: return "Client Closed Request";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Unknown";
    }
}

// RFC 9110 IMF-fixdate, formatted once per second per thread.
const std::string& http_date() {
    thread_local std::time_t cached_second = 0;
    thread_local std::string cached;
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        char text[64];
        std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached = text;
        cached_second = now;
    }
    return cached;
}

// Header injection guard: a CR or LF in a name or value would start a new header or body. The
// common case (clean text) is a straight append; only tainted values are rewritten.
void append_field(std::string& out, std::string_view name, std::string_view value) {
    if (name.find_first_of("\r\n:") != std::string_view::npos) return;
    out.append(name).append(": ");
    if (value.find_first_of("\r\n") == std::string_view::npos) {
        out.append(value);
    } else {
        for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
    }
    out.append("\r\n");
}

}  // namespace

bool acceptable_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string serialize_head(int status, const Headers& headers, std::string_view request_id, bool keep_alive,
                           const std::string* content_length_body) {
    std::string out;
    out.reserve(256);
    out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(reason_phrase(status)).append("\r\n");
    append_field(out, "Date", http_date());
    append_field(out, "Server", "visiongrid");
    for (const auto& [name, value] : headers) {
        // Framing and the request id are ours to set: a handler (or a proxied upstream) must not duplicate them.
        if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection") ||
            iequals(name, "X-Request-Id") || iequals(name, "Date") || iequals(name, "Server")) {
            continue;
        }
        append_field(out, name, value);
    }
    if (!request_id.empty()) append_field(out, "X-Request-Id", request_id);
    if (content_length_body) {
        append_field(out, "Content-Length", std::to_string(content_length_body->size()));
    } else {
        append_field(out, "Transfer-Encoding", "chunked");
    }
    if (!keep_alive) append_field(out, "Connection", "close");
    out.append("\r\n");
    return out;
}

std::string serialize_response(const Response& response, std::string_view request_id, bool keep_alive) {
    std::string out = serialize_head(response.status, response.headers, request_id, keep_alive, &response.body);
    out.append(response.body);
    return out;
}

std::string serialize_chunk(std::string_view data) {
    if (data.empty()) return {};
    char size[32];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out;
    out.reserve(static_cast<std::size_t>(n) + data.size() + 2);
    out.append(size, static_cast<std::size_t>(n)).append(data).append("\r\n");
    return out;
}

}  // namespace vg::net::detail
