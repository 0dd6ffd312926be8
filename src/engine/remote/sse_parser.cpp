#include "engine/remote/sse_parser.hpp"

namespace vg::engine {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

std::vector<SseEvent> SseParser::push(std::string_view bytes) {
    std::vector<SseEvent> events;
    if (failed_) return events;
    if (at_start_) {
        // The BOM may itself arrive split; wait until three bytes are there to decide.
        line_.append(bytes);
        if (line_.size() < kBom.size() && kBom.starts_with(line_)) return events;
        at_start_ = false;
        if (line_.starts_with(kBom)) line_.erase(0, kBom.size());
        std::string held;
        held.swap(line_);
        return push(held);
    }
    std::size_t pos = 0;
    if (skip_lf_ && !bytes.empty()) {
        skip_lf_ = false;
        if (bytes.front() == '\n') pos = 1;
    }
    while (pos < bytes.size()) {
        const std::size_t end = bytes.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) {
            line_.append(bytes.substr(pos));
            break;
        }
        if (line_.empty()) {
            take_line(bytes.substr(pos, end - pos), events);
        } else {
            line_.append(bytes.substr(pos, end - pos));
            std::string line;
            line.swap(line_);
            take_line(line, events);
        }
        if (failed_) return events;
        pos = end + 1;
        if (bytes[end] == '\r') {
            if (pos == bytes.size()) {
                skip_lf_ = true;
            } else if (bytes[pos] == '\n') {
                ++pos;
            }
        }
    }
    if (line_.size() > max_line_bytes_) {
        failed_ = true;
        line_.clear();
    }
    return events;
}

std::vector<SseEvent> SseParser::finish() {
    std::vector<SseEvent> events;
    if (failed_) return events;
    if (at_start_) {
        at_start_ = false;
        if (!kBom.starts_with(line_)) {
            std::string held;
            held.swap(line_);
            events = push(held);
        }
    }
    line_.clear();
    dispatch(events);
    return events;
}

void SseParser::take_line(std::string_view line, std::vector<SseEvent>& events) {
    if (line.size() > max_line_bytes_) {
        failed_ = true;
        return;
    }
    if (line.empty()) return dispatch(events);
    if (line.front() == ':') return;  // a comment: keep-alives and the like
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    if (field == "data" || field == "error") {
        if (field == "error") type_ = "error";
        data_.append(value);
        data_.push_back('\n');
        has_data_ = true;
    } else if (field == "event") {
        type_ = std::string(value);
    }
    // id, retry and unknown fields mean nothing to a one-shot response.
}

void SseParser::dispatch(std::vector<SseEvent>& events) {
    if (has_data_) {
        SseEvent event;
        if (!type_.empty()) event.type = std::move(type_);
        data_.pop_back();  // the '\n' after the last data line
        event.data = std::move(data_);
        events.push_back(std::move(event));
    }
    data_.clear();
    type_.clear();
    has_data_ = false;
}

}  // namespace vg::engine
