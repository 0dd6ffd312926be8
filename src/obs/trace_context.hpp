#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vg::obs {

// W3C Trace Context (`traceparent: 00-<trace-id>-<parent-id>-<flags>`). Values are lowercase hex.
struct TraceContext {
    std::string trace_id;   // 32 hex digits, not all zero
    std::string span_id;    // 16 hex digits, not all zero: this hop's span
    std::string flags = "01";

    // Nullopt for anything that is not a valid version-00 (or later, forward-compatible) header.
    static std::optional<TraceContext> parse(std::string_view header);
    // A new trace with a random trace id and span id.
    static TraceContext generate();
    // Same trace, a new span: what this service sends upstream as its own `traceparent`.
    TraceContext child() const;
    std::string header() const;
};

// Random lowercase hex of `digits` length, never all zeros.
std::string random_hex(std::size_t digits);

}  // namespace vg::obs
