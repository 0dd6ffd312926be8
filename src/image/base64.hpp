#pragma once

#include <string>
#include <string_view>

namespace vg::image {

// Decodes base64 as clients actually send it: the standard (`+/`) or URL-safe (`-_`) alphabet,
// ASCII whitespace anywhere (MIME line breaks, pretty-printed JSON), padding optional. Padding that
// is present must be right, and anything else is refused: a bad character, data after padding, or a
// length no encoder produces throws ClientError "invalid_base64" naming the offset of the first
// offending character. Bits below the last whole byte are ignored, as most decoders do.
// Pure function; thread-safe.
std::string decode_base64(std::string_view text);

// Standard alphabet with padding, the form every decoder accepts. Thread-safe.
std::string encode_base64(std::string_view bytes);

}  // namespace vg::image
