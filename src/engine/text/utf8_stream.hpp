#pragma once

#include <string>
#include <string_view>

namespace vg::engine {

// True when `text` is well-formed UTF-8: no bad lead or continuation bytes, no overlong forms, no surrogates,
// nothing above U+10FFFF and no truncated sequence at the end.
bool is_valid_utf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD, one per maximal subpart (the Unicode
// "substitution of maximal subparts" practice, which is also what browsers and ICU do).
std::string sanitize_utf8(std::string_view text);

// Turns the byte pieces a model produces into whole, valid UTF-8 characters. A token can end in the middle of
// a multi-byte character, so the incomplete tail (at most 3 bytes) is held back until the next piece completes
// it; bytes that can never become valid UTF-8 are replaced by U+FFFD as soon as that is certain.
// Not thread-safe: one per generation.
class Utf8Stream {
public:
    // The longest prefix of (held-back bytes + `bytes`) made of complete characters, invalid sequences replaced.
    std::string push(std::string_view bytes);

    // Ends the stream: a held-back incomplete character becomes U+FFFD. The stream is empty again afterwards.
    std::string finish();

    // Bytes held back, waiting for the rest of their character (0 to 3).
    std::size_t pending_bytes() const { return pending_.size(); }

private:
    std::string pending_;
};

}  // namespace vg::engine
