#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vg::engine {

// Cuts generated text at the first stop string. Text arrives in pieces, and a stop string can be split across
// them, so a tail that could still grow into a stop string is held back rather than emitted: a client must
// never see any part of a stop string. Not thread-safe: one per generation.
class StopMatcher {
public:
    struct Output {
        std::string text;      // safe to emit now
        bool stopped = false;  // a stop string was found: generation should end; later pushes return nothing
    };

    // Empty strings are dropped: they would match before the first character.
    explicit StopMatcher(std::vector<std::string> stop_strings);

    // `text` must be valid UTF-8 (see Utf8Stream); the held-back tail always starts on a character boundary.
    Output push(std::string_view text);

    // Generation ended for another reason: releases the held-back tail (nothing once stopped).
    std::string finish();

    bool stopped() const { return stopped_; }

    // Everything emitted so far, by push and finish together.
    const std::string& full_text() const { return full_text_; }

private:
    // The length of the longest tail of pending_ that is a proper prefix of some stop string.
    std::size_t partial_match_length() const;

    std::vector<std::string> stop_strings_;
    std::string pending_;  // pushed but not yet emitted: shorter than the longest stop string
    std::string full_text_;
    bool stopped_ = false;
};

}  // namespace vg::engine
