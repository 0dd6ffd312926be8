#include "image/base64.hpp"

#include <gtest/gtest.h>

#include <random>

#include "image/client_error_capture.hpp"

namespace vg::image {
namespace {

using testing::failure_of;

// A deliberately naive encoder, bit by bit, to hold both of ours to something they do not share code with.
std::string reference_encode(const std::string& bytes, bool url_safe = false, bool pad = true) {
    const std::string alphabet =
        std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") + (url_safe ? "-_" : "+/");
    std::string bits;
    for (unsigned char c : bytes) {
        for (int i = 7; i >= 0; --i) bits += ((c >> i) & 1) ? '1' : '0';
    }
    while (bits.size() % 6 != 0) bits += '0';
    std::string out;
    for (std::size_t i = 0; i < bits.size(); i += 6) out += alphabet[std::stoi(bits.substr(i, 6), nullptr, 2)];
    while (pad && out.size() % 4 != 0) out += '=';
    return out;
}

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
    return bytes;
}

testing::Failure decode_failure(std::string_view text) {
    return failure_of([&] { decode_base64(text); });
}

// "at offset N" from the message, or -1.
long offset_in(const testing::Failure& failure) {
    std::size_t at = failure.message.find("at offset ");
    if (at == std::string::npos) return -1;
    return std::stol(failure.message.substr(at + 10));
}

// The rules of decode_base64, spelled out one character at a time with no fast path: valid text
// gives the bytes, invalid text the offset the error must name.
struct Reference {
    bool ok = true;
    std::string data;
    std::size_t offset = 0;
};

Reference reference_decode(const std::string& text) {
    auto value = [](char c) -> int {
        std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        if (c == '-') return 62;
        if (c == '_') return 63;
        std::size_t at = alphabet.find(c);
        return at == std::string::npos ? -1 : static_cast<int>(at);
    };
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    auto fail = [](std::size_t offset) { return Reference{false, {}, offset}; };
    std::vector<int> sextets;
    std::size_t last = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] != '='; ++i) {
        if (space(text[i])) continue;
        if (value(text[i]) < 0) return fail(i);
        sextets.push_back(value(text[i]));
        last = i;
    }
    if (i < text.size()) {
        std::size_t pending = sextets.size() % 4;
        if (pending < 2) return fail(i);
        std::size_t pads = 0;
        for (; i < text.size(); ++i) {
            if (space(text[i])) continue;
            if (text[i] == '=' && pads < 4 - pending) {
                ++pads;
                continue;
            }
            return fail(i);
        }
        if (pads != 4 - pending) return fail(text.size());
    } else if (sextets.size() % 4 == 1) {
        return fail(last);
    }
    std::string bits;
    for (int v : sextets) {
        for (int b = 5; b >= 0; --b) bits += ((v >> b) & 1) ? '1' : '0';
    }
    Reference result;
    for (std::size_t b = 0; b + 8 <= bits.size(); b += 8) {
        result.data += static_cast<char>(std::stoi(bits.substr(b, 8), nullptr, 2));
    }
    return result;
}

TEST(Base64Test, AgreesWithTheReferenceOnRandomText) {
    // Mostly alphabet, some whitespace and padding, a little garbage: every path and every switch
    // between the fast and the careful path gets exercised, valid and not.
    const std::string pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                             "     \n\r\t====*.";
    std::mt19937 random(2024);
    int valid = 0;
    for (int round = 0; round < 30000; ++round) {
        std::string text(random() % 48, ' ');
        for (char& c : text) c = pool[random() % pool.size()];
        Reference want = reference_decode(text);
        try {
            std::string got = decode_base64(text);
            ASSERT_TRUE(want.ok) << "accepted \"" << text << "\"";
            ASSERT_EQ(got, want.data) << "\"" << text << "\"";
            ++valid;
        } catch (const ClientError& e) {
            ASSERT_FALSE(want.ok) << "refused \"" << text << "\": " << e.what();
            ASSERT_NE(std::string(e.what()).find("at offset " + std::to_string(want.offset) + ":"), std::string::npos)
                << "\"" << text << "\": " << e.what();
        }
    }
    EXPECT_GT(valid, 1000) << "the sample must hold valid text too";
}

TEST(Base64Test, MatchesRfc4648Vectors) {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(encode_base64(plain), encoded);
        EXPECT_EQ(decode_base64(encoded), plain) << encoded;
        std::string unpadded = encoded.substr(0, encoded.find('='));
        EXPECT_EQ(decode_base64(unpadded), plain) << unpadded;
    }
}

TEST(Base64Test, RoundTripsRandomDataOfEveryShortLength) {
    for (std::size_t size = 0; size < 300; ++size) {
        std::string bytes = random_bytes(size, static_cast<unsigned>(size));
        std::string reference = reference_encode(bytes);
        ASSERT_EQ(encode_base64(bytes), reference) << "size " << size;
        ASSERT_EQ(decode_base64(reference), bytes) << "size " << size;
    }
}

TEST(Base64Test, RoundTripsALargePayload) {
    std::string bytes = random_bytes(3 * 1024 * 1024 + 1, 7);
    std::string reference = reference_encode(bytes);
    EXPECT_EQ(encode_base64(bytes), reference);
    EXPECT_TRUE(decode_base64(reference) == bytes);
}

TEST(Base64Test, AcceptsTheUrlSafeAlphabet) {
    std::string bytes = random_bytes(1000, 3);
    std::string url_safe = reference_encode(bytes, true, false);
    ASSERT_NE(url_safe.find_first_of("-_"), std::string::npos) << "the sample must use the URL-safe characters";
    EXPECT_EQ(decode_base64(url_safe), bytes);
    EXPECT_EQ(decode_base64("-_-_"), "\xFB\xFF\xBF");
    EXPECT_EQ(decode_base64("+/+/"), "\xFB\xFF\xBF");
}

TEST(Base64Test, IgnoresWhitespaceAnywhere) {
    std::string bytes = random_bytes(1000, 5);
    std::string encoded = reference_encode(bytes);
    std::string mime;  // 76-character lines with CRLF, as MIME writes them
    for (std::size_t i = 0; i < encoded.size(); i += 76) mime += encoded.substr(i, 76) + "\r\n";
    EXPECT_EQ(decode_base64(mime), bytes);

    std::string scattered;  // whitespace at odd places, including inside the padding
    std::mt19937 random(11);
    const char spaces[] = {' ', '\t', '\n', '\r'};
    for (char c : encoded) {
        if (random() % 5 == 0) scattered += spaces[random() % 4];
        scattered += c;
    }
    scattered += " \n";
    EXPECT_EQ(decode_base64(scattered), bytes);
    EXPECT_EQ(decode_base64("  Zm\t9v\n Y g = =\r\n"), "foob");
    EXPECT_EQ(decode_base64(" \n\t "), "");
}

TEST(Base64Test, NamesTheOffsetOfABadCharacter) {
    testing::Failure star = decode_failure("Zm9v*mFy");
    EXPECT_EQ(star.code, "invalid_base64");
    EXPECT_EQ(star.http_status, 400);
    EXPECT_EQ(offset_in(star), 4) << star.message;
    EXPECT_NE(star.message.find("'*'"), std::string::npos) << star.message;

    std::string long_text = reference_encode(random_bytes(3000, 9));
    long_text[2001] = '.';  // deep inside the fast path
    EXPECT_EQ(offset_in(decode_failure(long_text)), 2001);

    testing::Failure non_ascii = decode_failure("Zm9vYmFy\xC3\xA9");
    EXPECT_EQ(offset_in(non_ascii), 8) << non_ascii.message;
    EXPECT_NE(non_ascii.message.find("0xc3"), std::string::npos) << non_ascii.message;

    EXPECT_EQ(offset_in(decode_failure("Zm9v Y\x01")), 6);
    EXPECT_EQ(offset_in(decode_failure("data:image/png;base64,Zm9v")), 4);  // a data URI is not raw base64
}

TEST(Base64Test, RefusesWrongPadding) {
    EXPECT_EQ(offset_in(decode_failure("Zg=")), 3) << "one '=' short";
    EXPECT_EQ(offset_in(decode_failure("Zg===")), 4) << "one '=' too many";
    EXPECT_EQ(offset_in(decode_failure("Zm8==")), 4);
    EXPECT_EQ(offset_in(decode_failure("Z===")), 1) << "padding after a single character";
    EXPECT_EQ(offset_in(decode_failure("Zm9v=")), 4) << "padding where a quad starts";
    EXPECT_EQ(offset_in(decode_failure("=")), 0);
    EXPECT_EQ(offset_in(decode_failure("Zg==Zg==")), 4) << "data after padding";
    EXPECT_EQ(decode_failure("Zg==Zg==").code, "invalid_base64");
}

TEST(Base64Test, RefusesImpossibleLengths) {
    testing::Failure one = decode_failure("Z");
    EXPECT_EQ(one.code, "invalid_base64");
    EXPECT_EQ(offset_in(one), 0);
    EXPECT_EQ(offset_in(decode_failure("Zm9vY")), 4);
    EXPECT_EQ(offset_in(decode_failure("Zm9v\nY\n")), 5);
}

}  // namespace
}  // namespace vg::image
