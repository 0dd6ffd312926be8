#include "net/headers.hpp"

#include <algorithm>
#include <cctype>

namespace vg::net {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
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
