#include "image/base64.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "core/error.hpp"

namespace vg::image {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// What one input character is: a sextet value 0..63, or one of these.
constexpr std::uint8_t kInvalid = 0xFF;
constexpr std::uint8_t kSpace = 0xFE;
constexpr std::uint8_t kPad = 0xFD;

constexpr std::array<std::uint8_t, 256> make_values() {
    std::array<std::uint8_t, 256> values{};
    values.fill(kInvalid);
    for (int i = 0; i < 64; ++i) values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
    values['-'] = 62;  // URL-safe alphabet (RFC 4648 §5)
    values['_'] = 63;
    for (unsigned char c : {' ', '\t', '\n', '\v', '\f', '\r'}) values[c] = kSpace;
    values['='] = kPad;
    return values;
}

constexpr std::array<std::uint8_t, 256> kValues = make_values();

// The fast path ORs four lookups, one table per position in the quad, each holding its sextet
// already shifted into place so the OR is the three output bytes in memory order (little-endian)
// and one store writes them. Any non-alphabet character sets bit 24, so one compare per quad
// routes whitespace, padding and errors to the careful path.
constexpr std::uint32_t kNotData = 0x01000000;

enum class Lane { k0, k1, k2, k3 };

constexpr std::uint32_t place(Lane lane, std::uint32_t x) {
    // Output bytes b0 = x0<<2 | x1>>4, b1 = (x1&15)<<4 | x2>>2, b2 = (x2&3)<<6 | x3, stored as b0 | b1<<8 | b2<<16.
    switch (lane) {
        case Lane::k0: return x << 2;
        case Lane::k1: return (x >> 4) | ((x & 0x0F) << 12);
        case Lane::k2: return ((x >> 2) << 8) | ((x & 0x03) << 22);
        case Lane::k3: return x << 16;
    }
    return 0;
}

constexpr std::array<std::uint32_t, 256> make_lane(Lane lane) {
    std::array<std::uint32_t, 256> table{};
    for (int c = 0; c < 256; ++c) table[c] = kValues[c] < 64 ? place(lane, kValues[c]) : kNotData;
    return table;
}

constexpr auto kLane0 = make_lane(Lane::k0);
constexpr auto kLane1 = make_lane(Lane::k1);
constexpr auto kLane2 = make_lane(Lane::k2);
constexpr auto kLane3 = make_lane(Lane::k3);

inline std::uint32_t quad_at(const unsigned char* s) {
    return kLane0[s[0]] | kLane1[s[1]] | kLane2[s[2]] | kLane3[s[3]];
}

// Writes 4 bytes; the fourth is scratch the next store (or the final resize) overwrites.
inline void store_quad(char* dst, std::uint32_t v) {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(dst, &v, 4);
    } else {
        dst[0] = static_cast<char>(v & 0xFF);
        dst[1] = static_cast<char>((v >> 8) & 0xFF);
        dst[2] = static_cast<char>((v >> 16) & 0xFF);
    }
}

[[noreturn]] void fail_at(std::size_t offset, std::string_view what) {
    throw ClientError("invalid_base64",
                      "invalid base64 at offset " + std::to_string(offset) + ": " + std::string(what));
}

std::string describe(unsigned char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text = "unexpected character ";
    if (c >= 0x21 && c < 0x7F) return text + "'" + static_cast<char>(c) + "'";
    return text + "0x" + kHex[c >> 4] + kHex[c & 0xF];
}

// Everything after the first '=': only the padding that completes the last quad, and whitespace.
void check_padding(const unsigned char* s, std::size_t n, std::size_t i, int pending, std::size_t first_pad) {
    // pending sextets before the '=': 2 needs "==", 3 needs "=", 0 or 1 cannot be padded.
    if (pending < 2) fail_at(first_pad, pending == 0 ? "padding where a quad starts" : "padding after one character");
    int pads_needed = 4 - pending;
    int pads = 0;
    for (; i < n; ++i) {
        std::uint8_t v = kValues[s[i]];
        if (v == kSpace) continue;
        if (v == kPad && pads < pads_needed) {
            ++pads;
            continue;
        }
        fail_at(i, v == kPad ? "too much padding" : v == kInvalid ? describe(s[i]) : "data after padding");
    }
    if (pads != pads_needed) fail_at(n, "incomplete padding");
}

}  // namespace

std::string decode_base64(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::string out;
    out.resize(n / 4 * 3 + 4);  // an upper bound plus the fast path's scratch byte
    char* dst = out.data();
    std::size_t i = 0;
    std::size_t o = 0;

    std::uint32_t acc = 0;  // sextets of the quad being assembled by the careful path
    int pending = 0;
    std::size_t last_data = 0;  // offset of the most recent data character, for error messages

    while (true) {
        // Fast path: whole quads of alphabet characters, only ever entered on a quad boundary.
        while (i + 8 <= n) {
            std::uint32_t a = quad_at(s + i);
            std::uint32_t b = quad_at(s + i + 4);
            if ((a | b) & kNotData) break;
            store_quad(dst + o, a);
            store_quad(dst + o + 3, b);
            i += 8;
            o += 6;
        }
        if (i + 4 <= n) {
            std::uint32_t a = quad_at(s + i);
            if (!(a & kNotData)) {
                store_quad(dst + o, a);
                i += 4;
                o += 3;
                continue;
            }
        }
        if (i >= n) break;

        // Careful path: one character at a time until the next quad boundary, then back to fast.
        bool realigned = false;
        for (; i < n && !realigned; ++i) {
            std::uint8_t v = kValues[s[i]];
            if (v < 64) {
                acc = acc << 6 | v;
                last_data = i;
                if (++pending == 4) {
                    dst[o] = static_cast<char>(acc >> 16);
                    dst[o + 1] = static_cast<char>(acc >> 8);
                    dst[o + 2] = static_cast<char>(acc);
                    o += 3;
                    acc = 0;
                    pending = 0;
                    realigned = true;
                }
            } else if (v == kSpace) {
                realigned = pending == 0;
            } else if (v == kPad) {
                check_padding(s, n, i, pending, i);
                i = n;
                break;
            } else {
                fail_at(i, describe(s[i]));
            }
        }
        if (i >= n) break;
    }

    // A final partial quad: 2 or 3 sextets carry 1 or 2 bytes; a lone sextet carries none.
    if (pending == 1) fail_at(last_data, "a single character left over after the last full quad");
    if (pending == 2) dst[o++] = static_cast<char>(acc >> 4);
    if (pending == 3) {
        dst[o++] = static_cast<char>(acc >> 10);
        dst[o++] = static_cast<char>(acc >> 2);
    }
    out.resize(o);
    return out;
}

std::string encode_base64(std::string_view bytes) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    std::string out((n + 2) / 3 * 4, '=');
    char* dst = out.data();
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3, dst += 4) {
        std::uint32_t v = std::uint32_t{s[i]} << 16 | std::uint32_t{s[i + 1]} << 8 | s[i + 2];
        dst[0] = kAlphabet[v >> 18];
        dst[1] = kAlphabet[(v >> 12) & 63];
        dst[2] = kAlphabet[(v >> 6) & 63];
        dst[3] = kAlphabet[v & 63];
    }
    if (n - i == 1) {
        std::uint32_t v = std::uint32_t{s[i]} << 16;
        dst[0] = kAlphabet[v >> 18];
        dst[1] = kAlphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        std::uint32_t v = std::uint32_t{s[i]} << 16 | std::uint32_t{s[i + 1]} << 8;
        dst[0] = kAlphabet[v >> 18];
        dst[1] = kAlphabet[(v >> 12) & 63];
        dst[2] = kAlphabet[(v >> 6) & 63];
    }
    return out;
}

}  // namespace vg::image
