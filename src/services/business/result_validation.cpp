#include "services/business/result_validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "core/text.hpp"

namespace vg::services::business {
namespace {

using nlohmann::json;

// How many '{' in prose are tried as the start of the object before giving up.
constexpr int kMaxObjectStarts = 32;
// Values quoted in messages are cut to this many bytes: the raw output is kept elsewhere.
constexpr std::size_t kMaxQuotedBytes = 80;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw ModelOutputInvalid(path + ": " + problem);
}

std::optional<json> parse(std::string_view text) {
    json value = json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

// The contents of the first ``` fence (its info string such as `json` dropped); nullopt without one. An
// unclosed fence runs to the end of the text, so a cut-off answer is reported as truncated, not as missing.
std::optional<std::string_view> fenced_block(std::string_view text) {
    const auto open = text.find("```");
    if (open == std::string_view::npos) return std::nullopt;
    auto body = text.substr(open + 3);
    const auto line_end = body.find('\n');
    // `"```json\n{...}"`: the rest of the opening line is the info string, unless the JSON starts on it.
    if (line_end != std::string_view::npos && trim(body.substr(0, line_end)).find('{') == std::string_view::npos) {
        body = body.substr(line_end + 1);
    }
    const auto close = body.find("```");
    return close == std::string_view::npos ? body : body.substr(0, close);
}

// The end (one past the closing brace) of the object starting at `start`, skipping braces inside strings;
// nullopt when the text ends first.
std::optional<std::size_t> balanced_end(std::string_view text, std::size_t start) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = start; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return i + 1;
        }
    }
    return std::nullopt;
}

json object_in(std::string_view text) {
    text = trim(text);
    if (auto whole = parse(text)) {
        if (!whole->is_object()) fail("$", "expected a JSON object, got " + std::string(whole->type_name()));
        return std::move(*whole);
    }
    bool truncated = false;
    std::size_t from = 0;
    for (int attempt = 0; attempt < kMaxObjectStarts; ++attempt) {
        const auto start = text.find('{', from);
        if (start == std::string_view::npos) break;
        if (const auto end = balanced_end(text, start)) {
            if (auto value = parse(text.substr(start, *end - start))) return std::move(*value);
        } else {
            truncated = true;  // a later '{' lies inside this one, so it cannot end either
            break;
        }
        from = start + 1;
    }
    if (truncated) fail("$", "the JSON object in the model output is cut off (truncated output?)");
    if (text.find('{') != std::string_view::npos) fail("$", "the model output holds no parseable JSON object");
    fail("$", "the model output contains no JSON object");
}

std::string quoted(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > kMaxQuotedBytes) text = text.substr(0, kMaxQuotedBytes) + "...";
    return text;
}

std::string joined(const json& values) {
    std::string out;
    for (const auto& value : values) {
        out += out.empty() ? "" : ", ";
        out += value.is_string() ? value.get<std::string>() : quoted(value);
    }
    return out;
}

std::size_t code_points(const std::string& text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool has_type(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "null") return value.is_null();
    if (type == "number") return value.is_number();
    if (type == "integer") {
        if (value.is_number_integer()) return true;
        if (!value.is_number_float()) return false;
        const double number = value.get<double>();
        return std::isfinite(number) && std::floor(number) == number;  // JSON Schema counts 1.0 as an integer
    }
    throw std::logic_error("task schema names unknown type '" + type + "'");
}

const std::set<std::string> kKeywords = {"type",     "enum",      "properties", "required", "additionalProperties",
                                         "items",    "maxItems",  "maxLength",  "minimum",  "maximum"};

void validate(const json& schema, const json& value, const std::string& path) {
    for (const auto& [keyword, unused] : schema.items()) {
        if (kKeywords.count(keyword) == 0) throw std::logic_error("task schema uses unsupported keyword " + keyword);
    }
    if (schema.contains("type")) {
        const json& type = schema["type"];
        const json types = type.is_array() ? type : json::array({type});
        const bool ok = std::any_of(types.begin(), types.end(),
                                    [&](const json& name) { return has_type(value, name.get<std::string>()); });
        if (!ok) {
            std::string expected;
            for (const auto& name : types) expected += (expected.empty() ? "" : " or ") + name.get<std::string>();
            fail(path, "expected " + expected + ", got " + value.type_name() + " " + quoted(value));
        }
    }
    if (schema.contains("enum")) {
        const json& allowed = schema["enum"];
        if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
            fail(path, quoted(value) + " is not one of " + joined(allowed));
        }
    }
    if (value.is_number()) {
        const double number = value.get<double>();
        if (schema.contains("minimum") && number < schema["minimum"].get<double>()) {
            fail(path, quoted(value) + " is below the minimum " + quoted(schema["minimum"]));
        }
        if (schema.contains("maximum") && number > schema["maximum"].get<double>()) {
            fail(path, quoted(value) + " is above the maximum " + quoted(schema["maximum"]));
        }
    }
    if (value.is_string() && schema.contains("maxLength")) {
        const auto limit = schema["maxLength"].get<std::size_t>();
        const auto length = code_points(value.get<std::string>());
        if (length > limit) {
            fail(path, std::to_string(length) + " characters, more than the limit of " + std::to_string(limit));
        }
    }
    if (value.is_array()) {
        if (schema.contains("maxItems")) {
            const auto limit = schema["maxItems"].get<std::size_t>();
            if (value.size() > limit) {
                fail(path, std::to_string(value.size()) + " items, more than the limit of " + std::to_string(limit));
            }
        }
        if (schema.contains("items")) {
            for (std::size_t i = 0; i < value.size(); ++i) validate(schema["items"], value[i], json_path(path, i));
        }
    }
    if (value.is_object()) {
        const json empty = json::object();
        const json& properties = schema.contains("properties") ? schema["properties"] : empty;
        if (schema.contains("required")) {
            for (const auto& name : schema["required"]) {
                const auto key = name.get<std::string>();
                if (!value.contains(key)) fail(json_path(path, key), "required property is missing");
            }
        }
        const bool closed = schema.value("additionalProperties", true) == false;
        for (const auto& [key, member] : value.items()) {
            if (properties.contains(key)) {
                validate(properties[key], member, json_path(path, key));
            } else if (closed) {
                fail(json_path(path, key), "unexpected property (allowed: " + joined([&] {
                                               json names = json::array();
                                               for (const auto& [name, unused] : properties.items())
                                                   names.push_back(name);
                                               return names;
                                           }()) +
                                               ")");
            }
        }
    }
}

bool is_identifier(std::string_view key) {
    if (key.empty() || (key.front() >= '0' && key.front() <= '9')) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

}  // namespace

std::string json_path(const std::string& parent, std::string_view key) {
    if (is_identifier(key)) return parent + "." + std::string(key);
    return parent + "[" + json(std::string(key)).dump(-1, ' ', false, json::error_handler_t::replace) + "]";
}

std::string json_path(const std::string& parent, std::size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

nlohmann::json extract_json_object(std::string_view text) {
    if (auto block = fenced_block(text)) return object_in(*block);
    return object_in(text);
}

void validate_against_schema(const nlohmann::json& schema, const nlohmann::json& value) {
    validate(schema, value, "$");
}

}  // namespace vg::services::business
