#include "store/result_cursor.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

namespace vg::store {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kMaxCursorLength = 512;

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char byte : bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(buffer >> bits) & 63];
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
    return out;
}

constexpr std::array<int, 256> decoding_table() {
    std::array<int, 256> table{};
    for (auto& entry : table) entry = -1;
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
    return table;
}

std::string base64url_decode(std::string_view text) {
    static constexpr auto kTable = decoding_table();
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        const int value = kTable[static_cast<unsigned char>(c)];
        if (value < 0) throw std::invalid_argument("malformed cursor");
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

}  // namespace

std::string encode_cursor(const ResultCursor& cursor) {
    return base64url_encode(std::to_string(cursor.created_us) + "." + cursor.id);
}

ResultCursor decode_cursor(std::string_view text) {
    if (text.empty() || text.size() > kMaxCursorLength) throw std::invalid_argument("malformed cursor");
    const std::string plain = base64url_decode(text);
    const auto dot = plain.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == plain.size())
        throw std::invalid_argument("malformed cursor");
    ResultCursor cursor;
    const char* first = plain.data();
    const char* last = plain.data() + dot;
    const auto [end, error] = std::from_chars(first, last, cursor.created_us);
    if (error != std::errc() || end != last) throw std::invalid_argument("malformed cursor");
    cursor.id = plain.substr(dot + 1);
    // Only the canonical spelling: trailing bits, a "+5" or "007" are not cursors we handed out.
    if (encode_cursor(cursor) != text) throw std::invalid_argument("malformed cursor");
    return cursor;
}

}  // namespace vg::store
