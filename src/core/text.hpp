#pragma once

#include <string_view>

namespace vg {

// `text` without the leading and trailing characters in `chars` (by default the whitespace that HTTP
// and JSON allow around values; header parsing passes " \t", the only optional whitespace there).
inline std::string_view trim(std::string_view text, std::string_view chars = " \t\r\n") {
    const auto first = text.find_first_not_of(chars);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(chars) - first + 1);
}

}  // namespace vg
