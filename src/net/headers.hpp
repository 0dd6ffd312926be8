#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vg::net {

// Ordered HTTP header fields with case-insensitive lookup. Not thread-safe.
class Headers {
public:
    using Field = std::pair<std::string, std::string>;

    void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
    // Replaces every field of that name with one.
    void set(std::string_view name, std::string value);
    void remove(std::string_view name);
    std::optional<std::string_view> get(std::string_view name) const;
    std::string_view get_or(std::string_view name, std::string_view fallback) const;
    bool contains(std::string_view name) const { return get(name).has_value(); }

    const std::vector<Field>& fields() const { return fields_; }
    auto begin() const { return fields_.begin(); }
    auto end() const { return fields_.end(); }

private:
    std::vector<Field> fields_;
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace vg::net
