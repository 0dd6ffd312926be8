#include "image/data_uri.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "image/base64.hpp"

namespace vg::image {
namespace {

constexpr std::string_view kScheme = "data:";
constexpr std::string_view kDefaultMediaType = "text/plain;charset=US-ASCII";

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool starts_with_scheme(std::string_view text) {
    return text.size() >= kScheme.size() && iequals(text.substr(0, kScheme.size()), kScheme);
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

[[noreturn]] void fail(std::string message) {
    throw ClientError("invalid_data_uri", std::move(message));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string percent_decode(std::string_view text, std::size_t offset_in_uri) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
        int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) fail("bad percent escape at offset " + std::to_string(offset_in_uri + i));
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// "Image/PNG;charset=x" -> "image/png;charset=x": types are case-insensitive, parameter values may not be.
std::string normalise_media_type(std::string_view header) {
    if (header.empty()) return std::string(kDefaultMediaType);
    std::string type(header);
    std::size_t end = std::min(type.find(';'), type.size());
    std::transform(type.begin(), type.begin() + static_cast<std::ptrdiff_t>(end), type.begin(), lower);
    return type;
}

}  // namespace

DataUri decode_data_uri(std::string_view uri) {
    if (!starts_with_scheme(uri)) fail("not a data URI (expected it to start with \"data:\")");
    std::size_t comma = uri.find(',');
    if (comma == std::string_view::npos) fail("data URI has no ',' before its data");
    std::string_view header = uri.substr(kScheme.size(), comma - kScheme.size());
    std::string_view payload = uri.substr(comma + 1);

    constexpr std::string_view kBase64 = ";base64";
    bool base64 = header.size() >= kBase64.size() && iequals(header.substr(header.size() - kBase64.size()), kBase64);
    if (base64) header.remove_suffix(kBase64.size());

    DataUri result;
    result.media_type = normalise_media_type(header);
    if (!base64) {
        result.data = percent_decode(payload, comma + 1);
        return result;
    }
    try {
        result.data = decode_base64(payload);
    } catch (const ClientError& e) {
        // Offsets in the message count from the payload; say so, since the client sees a whole URI.
        throw ClientError(
            e.code(),
            std::string("data URI payload (after the ',' at offset ") + std::to_string(comma) + "): " + e.what(),
            e.http_status());
    }
    return result;
}

std::string decode_image_field(std::string_view field) {
    field = trim(field);
    if (starts_with_scheme(field)) return decode_data_uri(field).data;
    return decode_base64(field);
}

}  // namespace vg::image
