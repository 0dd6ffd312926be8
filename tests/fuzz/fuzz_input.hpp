#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace vg::fuzz {

// Seeds stay readable files: a first line with the harness's parameters (a Content-Type, a mode),
// then the payload. Returns {first line without its '\n', the rest}.
inline std::pair<std::string_view, std::string_view> split_first_line(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t eol = input.find('\n');
    if (eol == std::string_view::npos) return {input, {}};
    return {input.substr(0, eol), input.substr(eol + 1)};
}

}  // namespace vg::fuzz
