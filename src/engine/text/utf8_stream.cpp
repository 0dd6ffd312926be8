#include "engine/text/utf8_stream.hpp"

#include <cstddef>

namespace vg::engine {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// What a lead byte allows, from the table of well-formed sequences in the Unicode standard (Table 3-7).
// Narrowing the second byte's range is what rules out overlong forms (E0, F0), surrogates (ED) and
// code points above U+10FFFF (F4) without decoding anything.
struct Lead {
    int length = 0;  // 0: the byte cannot start a character
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
};

Lead classify(unsigned char byte) {
    if (byte < 0xC2) return {};  // continuation bytes and the overlong leads C0, C1
    if (byte < 0xE0) return {2, 0x80, 0xBF};
    if (byte == 0xE0) return {3, 0xA0, 0xBF};
    if (byte == 0xED) return {3, 0x80, 0x9F};
    if (byte < 0xF0) return {3, 0x80, 0xBF};
    if (byte == 0xF0) return {4, 0x90, 0xBF};
    if (byte < 0xF4) return {4, 0x80, 0xBF};
    if (byte == 0xF4) return {4, 0x80, 0x8F};
    return {};  // F5..FF
}

struct ScanResult {
    std::size_t consumed = 0;  // bytes dealt with; the rest is an incomplete character
    std::size_t errors = 0;    // ill-formed sequences replaced
};

// Copies the well-formed characters of `in` to `out` (when given) in runs, writing U+FFFD for each maximal
// subpart of an ill-formed sequence. With `at_end` false an incomplete trailing character is left unconsumed,
// because the next piece may complete it; with `at_end` true it is ill-formed like any other.
ScanResult scan(std::string_view in, std::string* out, bool at_end) {
    ScanResult result;
    const std::size_t size = in.size();
    std::size_t run_start = 0;
    auto copy_run = [&](std::size_t end) {
        if (out != nullptr && end > run_start) out->append(in.data() + run_start, end - run_start);
    };
    std::size_t i = 0;
    while (i < size) {
        const auto byte = static_cast<unsigned char>(in[i]);
        if (byte < 0x80) {
            ++i;
            continue;
        }
        const Lead lead = classify(byte);
        bool well_formed = lead.length > 0;
        std::size_t length = 1;  // the lead plus the continuation bytes accepted so far
        for (; well_formed && length < static_cast<std::size_t>(lead.length); ++length) {
            if (i + length == size) {
                if (!at_end) {
                    copy_run(i);
                    result.consumed = i;
                    return result;
                }
                well_formed = false;
                break;
            }
            const auto next = static_cast<unsigned char>(in[i + length]);
            const unsigned char low = length == 1 ? lead.second_low : 0x80;
            const unsigned char high = length == 1 ? lead.second_high : 0xBF;
            if (next < low || next > high) {
                well_formed = false;
                break;
            }
        }
        if (!well_formed) {
            copy_run(i);
            if (out != nullptr) out->append(kReplacement);
            ++result.errors;
            run_start = i + length;
        }
        i += length;
    }
    copy_run(size);
    result.consumed = size;
    return result;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    const ScanResult result = scan(text, nullptr, false);
    return result.errors == 0 && result.consumed == text.size();
}

std::string sanitize_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    scan(text, &out, true);
    return out;
}

std::string Utf8Stream::push(std::string_view bytes) {
    std::string out;
    if (pending_.empty()) {
        // The common case (a token that ends on a character boundary) needs no copy of the input.
        out.reserve(bytes.size());
        const ScanResult result = scan(bytes, &out, false);
        pending_.assign(bytes.substr(result.consumed));
        return out;
    }
    pending_.append(bytes);
    out.reserve(pending_.size());
    const ScanResult result = scan(pending_, &out, false);
    pending_.erase(0, result.consumed);
    return out;
}

std::string Utf8Stream::finish() {
    std::string out;
    scan(pending_, &out, true);
    pending_.clear();
    return out;
}

}  // namespace vg::engine
