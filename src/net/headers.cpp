#include "net/headers.hpp"

#include <algorithm>
#include <cctype>

namespace vg::net {

bool iequals(std::string_view a, std::string_view b) {
    // Header names are ASCII: a locale-aware tolower() call per byte showed up in proxy profiles.
    constexpr auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return fold(x) == fold(y); });
}

void Headers::set(std::string_view name, std::string value) {
    remove(name);
    fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::remove(std::string_view name) {
    std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const auto& [key, value] : fields_) {
        if (iequals(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

std::string_view Headers::get_or(std::string_view name, std::string_view fallback) const {
    return get(name).value_or(fallback);
}

}  // namespace vg::net
