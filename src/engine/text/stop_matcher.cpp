#include "engine/text/stop_matcher.hpp"

#include <algorithm>
#include <utility>

namespace vg::engine {
namespace {

bool is_continuation_byte(char byte) {
    return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

}  // namespace

StopMatcher::StopMatcher(std::vector<std::string> stop_strings) {
    for (auto& stop : stop_strings) {
        if (!stop.empty()) stop_strings_.push_back(std::move(stop));
    }
}

StopMatcher::Output StopMatcher::push(std::string_view text) {
    Output output;
    if (stopped_) {
        output.stopped = true;
        return output;
    }
    pending_.append(text);

    // Only pending_ needs searching: an occurrence starting in text already emitted would have made that
    // text a partial match, and partial matches are never emitted.
    std::size_t first = std::string::npos;
    for (const auto& stop : stop_strings_) first = std::min(first, pending_.find(stop));
    if (first != std::string::npos) {
        output.text = pending_.substr(0, first);
        output.stopped = true;
        stopped_ = true;
        pending_.clear();
        full_text_ += output.text;
        return output;
    }

    std::size_t keep_from = pending_.size() - partial_match_length();
    // Stop strings are valid UTF-8, so a partial match starts on a boundary anyway; this guards against
    // invalid stop strings rather than against the generated text.
    while (keep_from > 0 && keep_from < pending_.size() && is_continuation_byte(pending_[keep_from])) --keep_from;
    output.text = pending_.substr(0, keep_from);
    pending_.erase(0, keep_from);
    full_text_ += output.text;
    return output;
}

std::string StopMatcher::finish() {
    std::string rest = std::move(pending_);
    pending_.clear();
    full_text_ += rest;
    return rest;
}

std::size_t StopMatcher::partial_match_length() const {
    const std::string_view pending = pending_;
    std::size_t longest = 0;
    for (const auto& stop : stop_strings_) {
        for (std::size_t length = std::min(stop.size() - 1, pending.size()); length > longest; --length) {
            if (pending.substr(pending.size() - length) == std::string_view(stop).substr(0, length)) {
                longest = length;
                break;
            }
        }
    }
    return longest;
}

}  // namespace vg::engine
