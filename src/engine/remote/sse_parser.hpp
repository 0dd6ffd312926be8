#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vg::engine {

// One Server-Sent Event: its type ("message" unless an `event:` line named another) and its data lines joined
// with '\n'.
struct SseEvent {
    std::string type = "message";
    std::string data;
};

// Splits a text/event-stream body into events as its bytes arrive. The body comes in arbitrary pieces, so a line
// (even a CR LF pair) may be cut anywhere; an incomplete line is kept until the rest arrives.
// Follows the WHATWG rules (comments, CR/LF/CRLF line ends, one leading space stripped, unknown fields ignored,
// events without data dropped) with one extension: an `error:` line, which llama-server sends instead of
// `data:` when generation fails mid-stream, becomes an event of type "error".
// Not thread-safe: one per response.
class SseParser {
public:
    // A line longer than this makes the parser fail: an upstream must not make us buffer without end.
    static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{16} * 1024 * 1024;

    explicit SseParser(std::size_t max_line_bytes = kDefaultMaxLineBytes) : max_line_bytes_(max_line_bytes) {}

    // The events completed by `bytes`, in order; none once failed().
    std::vector<SseEvent> push(std::string_view bytes);

    // The body ended: a last event whose blank line never came is returned too (servers that end the body right
    // after the data line exist), but not an incomplete last line.
    std::vector<SseEvent> finish();

    // A line exceeded the limit; everything after is ignored.
    bool failed() const { return failed_; }

private:
    void take_line(std::string_view line, std::vector<SseEvent>& events);
    void dispatch(std::vector<SseEvent>& events);

    std::size_t max_line_bytes_;
    std::string line_;      // the incomplete line at the end of what was pushed
    bool skip_lf_ = false;  // the last line ended with CR: an LF right after belongs to it
    bool at_start_ = true;  // a UTF-8 BOM may open the stream
    std::string data_;      // data lines of the event being assembled, each followed by '\n'
    bool has_data_ = false;
    std::string type_;
    bool failed_ = false;
};

}  // namespace vg::engine
