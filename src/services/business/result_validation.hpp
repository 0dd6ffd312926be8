#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vg::services::business {

// The model's answer is not a valid result for its task (422 model_output_invalid). The message names the
// first problem with its JSON path, e.g. `$.verdict: "ok" is not one of pass, reject, manual_review`.
class ModelOutputInvalid : public Error {
public:
    explicit ModelOutputInvalid(const std::string& message) : Error("model_output_invalid", message, 422) {}
};

// The JSON object in a model's text: the whole text, the first ```json fenced block, or the first balanced
// {...} amid prose. Throws ModelOutputInvalid when there is none, it is cut off, or it does not parse.
nlohmann::json extract_json_object(std::string_view text);

// Checks `value` against `schema`, throwing ModelOutputInvalid for the first problem. Understands exactly the
// subset the task schemas use: type (a name or a list), enum, properties, required, additionalProperties
// (false rejects unlisted properties), items, maxItems, maxLength (in code points). Any other keyword is a
// bug in our schema and throws std::logic_error. Thread-safe.
void validate_against_schema(const nlohmann::json& schema, const nlohmann::json& value);

// `$.a.b[2]` style path of `key` below `parent`.
std::string json_path(const std::string& parent, std::string_view key);
std::string json_path(const std::string& parent, std::size_t index);

}  // namespace vg::services::business
