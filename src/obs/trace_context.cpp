#include "obs/trace_context.hpp"

#include <algorithm>
#include <random>

namespace vg::obs {
namespace {

bool is_lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

}  // namespace

std::string random_hex(std::size_t digits) {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(digits, '0');
    do {
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            if (i % 16 == 0) bits = engine();  // one draw gives 16 hex digits
            out[i] = kHex[bits & 0xF];
            bits >>= 4;
        }
    } while (all_zero(out));
    return out;
}

std::optional<TraceContext> TraceContext::parse(std::string_view header) {
    // version(2) - trace-id(32) - parent-id(16) - flags(2); later versions may append "-..." fields.
    if (header.size() < 55) return std::nullopt;
    if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
    std::string_view version = header.substr(0, 2), trace = header.substr(3, 32), parent = header.substr(36, 16),
                     flags = header.substr(53, 2);
    if (!is_lower_hex(version) || version == "ff") return std::nullopt;
    if (version == "00" && header.size() != 55) return std::nullopt;
    if (version != "00" && header.size() > 55 && header[55] != '-') return std::nullopt;
    if (!is_lower_hex(trace) || all_zero(trace) || !is_lower_hex(parent) || all_zero(parent) || !is_lower_hex(flags)) {
        return std::nullopt;
    }
    return TraceContext{std::string(trace), std::string(parent), std::string(flags)};
}

TraceContext TraceContext::generate() { return TraceContext{random_hex(32), random_hex(16), "01"}; }

TraceContext TraceContext::child() const { return TraceContext{trace_id, random_hex(16), flags}; }

std::string TraceContext::header() const { return "00-" + trace_id + "-" + span_id + "-" + flags; }

}  // namespace vg::obs
