// Base64 and data URIs as images arrive in JSON bodies (image/base64.hpp, image/data_uri.hpp).
// decode_base64's fast path (whole quads, table lookups, 4-byte stores) is checked against a plain
// one-character-at-a-time decoder of the documented rules, and encoding round-trips.
// Input: the text of an image field (raw base64 or a data: URI).
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "image/base64.hpp"
#include "image/data_uri.hpp"

namespace {

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// The rules of base64.hpp, written for clarity: whitespace anywhere; alphabet characters; then
// optionally exactly the padding that completes the last quad; a lone trailing sextet is an error.
std::optional<std::string> reference_decode(std::string_view text) {
    std::string out;
    unsigned acc = 0;
    int pending = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] != '='; ++i) {
        if (is_space(text[i])) continue;
        int v = sextet(text[i]);
        if (v < 0) return std::nullopt;
        acc = acc << 6 | static_cast<unsigned>(v);
        if (++pending == 4) {
            out += static_cast<char>(acc >> 16);
            out += static_cast<char>(acc >> 8);
            out += static_cast<char>(acc);
            acc = 0;
            pending = 0;
        }
    }
    if (i < text.size()) {  // padding
        int pads = 0;
        for (; i < text.size(); ++i) {
            if (text[i] == '=') ++pads;
            else if (!is_space(text[i])) return std::nullopt;
        }
        if (pending < 2 || pads != 4 - pending) return std::nullopt;
    }
    if (pending == 1) return std::nullopt;
    if (pending == 2) out += static_cast<char>(acc >> 4);
    if (pending == 3) {
        out += static_cast<char>(acc >> 10);
        out += static_cast<char>(acc >> 2);
    }
    return out;
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_base64: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    std::optional<std::string> decoded;
    try {
        decoded = vg::image::decode_base64(text);
    } catch (const vg::ClientError& e) {
        if (e.code() != "invalid_base64") fail("decode_base64 threw another code than invalid_base64");
    }
    const auto expected = reference_decode(text);
    if (decoded.has_value() != expected.has_value()) fail(decoded ? "accepted what the rules refuse" : "refused what the rules accept");
    if (decoded && *decoded != *expected) fail("decoded to other bytes than the rules give");
    // Encoding round-trips, whatever the bytes.
    if (vg::image::decode_base64(vg::image::encode_base64(text)) != text) fail("encode/decode does not round-trip");

    try {
        (void)vg::image::decode_image_field(text);
    } catch (const vg::ClientError& e) {
        if (e.code() != "invalid_base64" && e.code() != "invalid_data_uri") fail("decode_image_field threw an unexpected code");
    }
    return 0;
}
