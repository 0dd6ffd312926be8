#include "engine/text/json_schema_grammar.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/json_depth.hpp"
#include "engine/text/gbnf_rule_set.hpp"
#include "engine/text/json_grammar_primitives.hpp"

namespace vg::engine {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxGrammarBytes = 1 << 20;
constexpr int kMaxDepth = 64;
// llama.cpp expands x{m,n} into n rules and refuses n >= 2000; past this a grammar also gets slow to sample.
constexpr std::int64_t kMaxRepetition = 1000;

// Keywords that restrict which documents are valid but that this converter cannot express; ignoring one
// would let the model produce documents the schema rejects.
// clang-format off
const std::set<std::string_view> kUnsupported = {
    "pattern", "patternProperties", "propertyNames", "minProperties", "maxProperties", "dependentRequired",
    "dependentSchemas", "dependencies", "unevaluatedItems", "prefixItems", "additionalItems", "contains",
    "minContains", "maxContains", "allOf", "not", "if", "then",
    "else", "multipleOf", "exclusiveMinimum", "exclusiveMaximum",
    "$dynamicRef", "$recursiveRef"
};
// clang-format on

// The validation keywords this converter understands: next to $ref, anyOf or oneOf they would have to be
// intersected with the alternatives, which it does not do.
// clang-format off
const std::set<std::string_view> kSupported = {
    "type", "enum", "const", "properties", "required", "additionalProperties",
    "unevaluatedProperties", "items", "minItems", "maxItems", "uniqueItems", "minLength",
    "maxLength", "format", "anyOf", "oneOf", "$ref", "minimum", "maximum"
};
// clang-format on

const std::set<std::string_view> kTypes = {"object", "array", "string", "number", "integer", "boolean", "null"};

// Used to guess the type of a schema without "type"; admitting only that type is a subset of what it allows.
struct TypeHint {
    std::string_view type;
    std::vector<std::string_view> keywords;
};
const TypeHint kTypeHints[] = {
    {"object", {"properties", "required", "additionalProperties", "unevaluatedProperties"}},
    {"array", {"items", "minItems", "maxItems"}},
    {"string", {"minLength", "maxLength", "format"}},
};

const std::set<std::string_view> kFormats = {"date", "time", "date-time", "uuid"};

std::string pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string at(const std::string& path, std::string_view key) {
    return path + "/" + pointer_token(key);
}

ClientError invalid(const std::string& path, const std::string& message) {
    return ClientError("invalid_schema", message + " (at " + path + ")");
}

ClientError unsupported(const std::string& path, const std::string& message) {
    return ClientError("unsupported_schema", message + " (at " + path + ")");
}

bool is_rule_name(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

// The GBNF suffix repeating an item min..max times (no max: unbounded); empty for exactly once.
std::string repetition(std::int64_t min, std::optional<std::int64_t> max) {
    if (!max) {
        if (min == 0) return "*";
        if (min == 1) return "+";
        return "{" + std::to_string(min) + ",}";
    }
    if (min == *max) return min == 1 ? "" : "{" + std::to_string(min) + "}";
    if (min == 0 && *max == 1) return "?";
    return "{" + std::to_string(min) + "," + std::to_string(*max) + "}";
}

std::size_t code_point_count(const std::string& text) {
    std::size_t count = 0;
    for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

// JSON Schema counts 1.0 as an integer.
bool is_integral(const Json& value) {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double number = value.get<double>();
    return std::isfinite(number) && std::floor(number) == number;
}

std::string json_text(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::strict);
}

class SchemaConverter {
public:
    explicit SchemaConverter(const Json& root) : root_(root), rules_(kMaxGrammarBytes) {}

    std::string convert() {
        if (!root_.is_object()) throw invalid("#", "a schema must be a JSON object");
        const std::string root = rules_.reserve("root");
        ref_rules_["#"] = root;
        left_open_.insert("#");
        rules_.define(root, body(root_, root, "#"));
        primitives_.define_used(rules_);
        return rules_.text();
    }

private:
    // Counts nesting so a deeply nested (hostile) schema cannot exhaust the stack.
    class DepthGuard {
    public:
        DepthGuard(int& depth, const std::string& path) : depth_(depth) {
            if (++depth_ > kMaxDepth) {
                throw unsupported(path, "the schema nests deeper than " + std::to_string(kMaxDepth) + " levels");
            }
        }
        ~DepthGuard() { --depth_; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;

    private:
        int& depth_;
    };

    // An atom (a rule name) for `schema`: a primitive itself, or a new rule named after `base`.
    std::string visit(const Json& schema, const std::string& base, const std::string& path) {
        return atom(base, [&](const std::string& name) { return body(schema, name, path); });
    }

    template <typename MakeBody>
    std::string atom(const std::string& base, MakeBody make_body) {
        const std::string name = rules_.reserve(base);  // before the body, so the rule precedes its parts
        std::string text = make_body(name);
        if (is_rule_name(text)) {
            rules_.release(name);
            return text;
        }
        rules_.define(name, std::move(text));
        return name;
    }

    // The right-hand side of the rule `name` for `schema`.
    std::string body(const Json& schema, const std::string& name, const std::string& path) {
        DepthGuard guard(depth_, path);
        if (schema.is_boolean()) {
            if (schema.get<bool>()) return primitives_.use("value");
            throw invalid(path, "the schema 'false' admits no value");
        }
        if (!schema.is_object()) throw invalid(path, "a schema must be a JSON object or a boolean");
        check_keywords(schema, path);
        if (schema.contains("$ref")) {
            check_alone(schema, "$ref", path);
            return ref(schema["$ref"], at(path, "$ref"));
        }
        for (std::string_view keyword : {"anyOf", "oneOf"}) {
            // oneOf also forbids a document matching two alternatives; overlapping alternatives are rare in
            // output schemas, so both become plain alternatives.
            if (schema.contains(keyword)) {
                check_alone(schema, keyword, path);
                return alternatives(schema[std::string(keyword)], name, at(path, keyword));
            }
        }
        const std::vector<std::string> types = declared_types(schema, path);
        if (schema.contains("const"))
            return enum_body(Json::array({schema["const"]}), schema, types, at(path, "const"));
        if (schema.contains("enum")) return enum_body(schema["enum"], schema, types, at(path, "enum"));
        if (types.size() == 1) return type_body(schema, types.front(), name, path);
        std::vector<std::string> parts;
        for (const auto& type : types) {
            parts.push_back(atom(name + "-" + type, [&](const std::string& type_name) {
                return type_body(schema, type, type_name, path);
            }));
        }
        return join(parts, " | ");
    }

    void check_keywords(const Json& schema, const std::string& path) const {
        for (const auto& [key, value] : schema.items()) {
            if (kUnsupported.count(key) != 0) throw unsupported(at(path, key), "'" + key + "' is not supported");
            if (key == "uniqueItems" && value != false) {
                throw unsupported(at(path, key), "'uniqueItems' is only supported as false");
            }
            if (key == "unevaluatedProperties" && !value.is_boolean()) {
                throw unsupported(at(path, key), "'unevaluatedProperties' is only supported as true or false");
            }
        }
    }

    void check_alone(const Json& schema, std::string_view keyword, const std::string& path) const {
        for (const auto& [key, value] : schema.items()) {
            if (key != keyword && kSupported.count(key) != 0) {
                throw unsupported(at(path, key),
                                  "'" + key + "' next to '" + std::string(keyword) + "' is not supported");
            }
        }
    }

    std::vector<std::string> declared_types(const Json& schema, const std::string& path) const {
        if (!schema.contains("type")) {
            for (const auto& hint : kTypeHints) {
                for (auto keyword : hint.keywords) {
                    if (schema.contains(keyword)) return {std::string(hint.type)};
                }
            }
            return {"any"};
        }
        const Json& type = schema["type"];
        const std::string type_path = at(path, "type");
        std::vector<std::string> types;
        auto add = [&](const Json& entry) {
            if (!entry.is_string() || kTypes.count(entry.get<std::string>()) == 0) {
                throw invalid(type_path, "unknown type " + json_text(entry) +
                                             "; expected object, array, string, number, integer, boolean or null");
            }
            types.push_back(entry.get<std::string>());
        };
        if (type.is_array()) {
            if (type.empty()) throw invalid(type_path, "'type' lists no type");
            for (const auto& entry : type) add(entry);
        } else {
            add(type);
        }
        std::set<std::string> seen;
        std::vector<std::string> unique;
        const bool has_number = std::find(types.begin(), types.end(), "number") != types.end();
        for (auto& entry : types) {
            // Every integer is a number; keeping both would only give the sampler two identical paths.
            if (entry == "integer" && has_number) continue;
            if (seen.insert(entry).second) unique.push_back(std::move(entry));
        }
        return unique;
    }

    std::string type_body(const Json& schema, const std::string& type, const std::string& name,
                          const std::string& path) {
        if (type == "object") return object_body(schema, name, path);
        if (type == "array") return array_body(schema, name, path);
        if (type == "string") return string_body(schema, path);
        if (type == "any") return primitives_.use("value");
        if (type == "number" || type == "integer") return numeric_body(schema, type, path);
        return primitives_.use(type);  // boolean, null
    }

    // The bounds a grammar can hold exactly: [0, 1] for a number (a confidence, a ratio) and a lower
    // bound of 0 alone (a count, a score). Others would need digit-by-digit range rules.
    std::string numeric_body(const Json& schema, const std::string& type, const std::string& path) {
        auto bound = [&](const char* key) -> std::optional<double> {
            if (!schema.contains(key)) return std::nullopt;
            if (!schema[key].is_number()) throw invalid(at(path, key), std::string("'") + key + "' must be a number");
            return schema[key].get<double>();
        };
        const auto low = bound("minimum");
        const auto high = bound("maximum");
        if (!low && !high) return primitives_.use(type);
        if (type == "number" && low == 0.0 && high == 1.0) return primitives_.use("unit-number");
        if (low == 0.0 && !high) return primitives_.use(type == "integer" ? "natural" : "non-negative-number");
        throw unsupported(at(path, low ? "minimum" : "maximum"),
                          "bounds other than [0, 1] for a number or minimum 0 alone are not supported");
    }

    std::string ref(const Json& value, const std::string& path) {
        if (!value.is_string()) throw invalid(path, "'$ref' must be a string");
        const std::string target = value.get<std::string>();
        if (target.empty() || target.front() != '#') {
            throw unsupported(path, "only local references (\"#/...\") are supported, not \"" + target + "\"");
        }
        if (auto found = ref_rules_.find(target); found != ref_rules_.end()) {
            // Reached again before any character was produced: the rule would be left-recursive, which
            // llama.cpp rejects, and the schema itself never bottoms out.
            if (left_open_.count(target) != 0) {
                throw invalid(path, "\"" + target + "\" refers to itself without any object or array in between");
            }
            return found->second;
        }
        const Json* resolved = resolve(target, path);
        const std::string name = rules_.reserve(ref_rule_base(target));
        ref_rules_[target] = name;
        left_open_.insert(target);
        rules_.define(name, body(*resolved, name, target));
        left_open_.erase(target);
        return name;
    }

    const Json* resolve(const std::string& target, const std::string& path) const {
        try {
            const Json::json_pointer pointer(target.substr(1));
            if (root_.contains(pointer)) return &root_.at(pointer);
        } catch (const nlohmann::json::exception&) {
            // A malformed pointer resolves to nothing, like a missing one.
        }
        throw invalid(path, "\"" + target + "\" does not resolve to a schema in this document");
    }

    static std::string ref_rule_base(const std::string& target) {
        for (std::string_view prefix : {"#/$defs/", "#/definitions/"}) {
            if (target.rfind(prefix, 0) == 0 && target.find('/', prefix.size()) == std::string::npos) {
                const std::string part = gbnf_name_part(target.substr(prefix.size()));
                return part.empty() ? "def" : "def-" + part;
            }
        }
        const std::string part = gbnf_name_part(target);
        return part.empty() ? "ref" : "ref-" + part;
    }

    std::string alternatives(const Json& list, const std::string& name, const std::string& path) {
        if (!list.is_array() || list.empty()) throw invalid(path, "must be a non-empty array of schemas");
        std::vector<std::string> parts;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string part = visit(list[i], name + "-" + std::to_string(i), at(path, std::to_string(i)));
            if (seen.insert(part).second) parts.push_back(std::move(part));
        }
        return join(parts, " | ");
    }

    std::string enum_body(const Json& values, const Json& schema, const std::vector<std::string>& types,
                          const std::string& path) const {
        if (!values.is_array() || values.empty()) throw invalid(path, "'enum' must be a non-empty array");
        std::vector<std::string> literals;
        std::set<std::string> seen;
        for (const auto& value : values) {
            if (!admits(value, schema, types, path)) continue;
            std::string literal = gbnf_literal(json_text(value));
            if (seen.insert(literal).second) literals.push_back(std::move(literal));
        }
        if (literals.empty()) throw invalid(path, "no listed value satisfies the schema's type and length");
        return join(literals, " | ");
    }

    // Whether an enum/const value also satisfies the sibling keywords that are cheap to check here.
    bool admits(const Json& value, const Json& schema, const std::vector<std::string>& types,
                const std::string& path) const {
        bool type_ok = false;
        for (const auto& type : types) {
            type_ok = type_ok || type == "any" || (type == "object" && value.is_object()) ||
                      (type == "array" && value.is_array()) || (type == "string" && value.is_string()) ||
                      (type == "number" && value.is_number()) || (type == "integer" && is_integral(value)) ||
                      (type == "boolean" && value.is_boolean()) || (type == "null" && value.is_null());
        }
        if (!type_ok || !value.is_string()) return type_ok;
        const auto length = static_cast<std::int64_t>(code_point_count(value.get<std::string>()));
        const auto max = count(schema, "maxLength", path);
        return length >= count(schema, "minLength", path).value_or(0) && (!max || length <= *max);
    }

    // A non-negative integer keyword such as minItems; nullopt when absent.
    static std::optional<std::int64_t> count(const Json& schema, const char* key, const std::string& path) {
        if (!schema.contains(key)) return std::nullopt;
        const Json& value = schema[key];
        if (value.is_number_unsigned()) {
            return static_cast<std::int64_t>(
                std::min<std::uint64_t>(value.get<std::uint64_t>(), std::numeric_limits<std::int64_t>::max()));
        }
        if (value.is_number_integer() && value.get<std::int64_t>() >= 0) return value.get<std::int64_t>();
        if (is_integral(value) && value.get<double>() >= 0) {
            return static_cast<std::int64_t>(std::min(value.get<double>(), 1e18));
        }
        throw invalid(at(path, key), std::string("'") + key + "' must be a non-negative integer");
    }

    // min..max as a repetition suffix, refusing bounds llama.cpp cannot expand.
    static std::string bounded_repetition(const Json& schema, const char* min_key, const char* max_key,
                                          std::int64_t offset, const std::string& path) {
        const std::int64_t min = count(schema, min_key, path).value_or(0);
        const std::optional<std::int64_t> max = count(schema, max_key, path);
        if (max && min > *max) {
            throw invalid(at(path, min_key), std::string("'") + min_key + "' is greater than '" + max_key + "'");
        }
        for (auto [key, bound] : {std::pair{min_key, std::optional(min)}, std::pair{max_key, max}}) {
            if (bound && *bound > kMaxRepetition) {
                throw unsupported(at(path, key), std::string("'") + key + "' above " + std::to_string(kMaxRepetition) +
                                                     " is not supported");
            }
        }
        return repetition(std::max<std::int64_t>(min - offset, 0), max ? std::optional(*max - offset) : std::nullopt);
    }

    std::string string_body(const Json& schema, const std::string& path) {
        if (schema.contains("format")) {
            const Json& format = schema["format"];
            const std::string format_path = at(path, "format");
            if (!format.is_string() || kFormats.count(format.get<std::string>()) == 0) {
                throw unsupported(format_path, "format " + json_text(format) +
                                                   " is not supported; supported: date, time, date-time, uuid");
            }
            if (schema.contains("minLength") || schema.contains("maxLength")) {
                throw unsupported(format_path, "'format' together with 'minLength' or 'maxLength' is not supported");
            }
            return primitives_.use(format.get<std::string>());
        }
        const std::string times = bounded_repetition(schema, "minLength", "maxLength", 0, path);
        if (count(schema, "maxLength", path) == 0) return gbnf_literal("\"\"");
        if (times == "*") return primitives_.use("string");
        return R"("\"" )" + primitives_.use("char") + times + R"( "\"")";
    }

    std::string array_body(const Json& schema, const std::string& name, const std::string& path) {
        const std::string ws = primitives_.use("ws");
        const std::string times = bounded_repetition(schema, "minItems", "maxItems", 1, path);
        const auto min = count(schema, "minItems", path).value_or(0);
        const auto max = count(schema, "maxItems", path);
        if (max && *max == 0) return R"("[" )" + ws + R"( "]")";
        std::string item;
        if (schema.contains("items")) {
            if (schema["items"].is_array())
                throw unsupported(at(path, "items"), "tuple-style 'items' is not supported");
            auto saved = std::exchange(left_open_, {});  // "[" comes first: no left recursion below
            item = visit(schema["items"], name + "-item", at(path, "items"));
            left_open_ = std::move(saved);
        } else {
            item = primitives_.use("value");
        }
        std::string list = item + " " + ws;
        if (!max || *max > 1) list += R"( ( "," )" + ws + " " + item + " " + ws + " )" + times;
        if (min == 0) list = "( " + list + " )?";
        return R"("[" )" + ws + " " + list + R"( "]")";
    }

    std::string object_body(const Json& schema, const std::string& name, const std::string& path) {
        const std::string ws = primitives_.use("ws");
        const Json* extra = schema.contains("additionalProperties") ? &schema["additionalProperties"] : nullptr;
        if (extra == nullptr && schema.contains("unevaluatedProperties")) extra = &schema["unevaluatedProperties"];
        if (extra != nullptr && !extra->is_boolean() && !extra->is_object()) {
            throw invalid(at(path, "additionalProperties"), "'additionalProperties' must be a schema");
        }
        std::vector<std::string> required = required_names(schema, path);
        if (!schema.contains("properties") && required.empty()) {
            if (extra != nullptr && *extra == false) return R"("{" )" + ws + R"( "}")";
            if (extra == nullptr || *extra == true) return primitives_.use("object");
            return map_body(*extra, name, at(path, "additionalProperties"));
        }
        const Json empty = Json::object();
        const Json& properties = schema.contains("properties") ? schema["properties"] : empty;
        if (!properties.is_object()) throw invalid(at(path, "properties"), "'properties' must be an object");

        // Each property gets a "key: value" rule; the object rule then only has to place the commas.
        auto saved = std::exchange(left_open_, {});         // "{" comes first: no left recursion below
        std::vector<std::pair<std::string, bool>> members;  // kv rule, required
        auto add_member = [&](const std::string& key, const Json& property_schema, const std::string& property_path) {
            std::string part = gbnf_name_part(key);
            const std::string base = name + "-" + (part.empty() ? "property" : part);
            const std::string kv = rules_.reserve(base + "-kv");
            const std::string value = visit(property_schema, base, property_path);
            rules_.define(kv, gbnf_literal(json_text(Json(key))) + " " + ws + R"( ":" )" + ws + " " + value + " " + ws);
            const bool is_required = std::find(required.begin(), required.end(), key) != required.end();
            members.emplace_back(kv, is_required);
        };
        for (const auto& [key, property_schema] : properties.items()) {
            add_member(key, property_schema, at(at(path, "properties"), key));
        }
        for (const auto& key : required) {
            // A required property with no schema of its own may hold any value.
            if (!properties.contains(key)) add_member(key, Json(true), at(path, "required"));
        }
        left_open_ = std::move(saved);
        return R"("{" )" + ws + " " + members_body(members, ws) + R"("}")";
    }

    std::vector<std::string> required_names(const Json& schema, const std::string& path) const {
        std::vector<std::string> names;
        if (!schema.contains("required")) return names;
        const Json& required = schema["required"];
        if (!required.is_array()) throw invalid(at(path, "required"), "'required' must be an array of strings");
        for (const auto& entry : required) {
            if (!entry.is_string()) throw invalid(at(path, "required"), "'required' must be an array of strings");
            if (std::find(names.begin(), names.end(), entry.get<std::string>()) == names.end()) {
                names.push_back(entry.get<std::string>());
            }
        }
        return names;
    }

    // Members in declared order, optional ones omissible. The first member written has no comma before it, so
    // there is one alternative per possible first member: each optional one before the first required one,
    // and that required one. After the first, every member is `"," kv`, optional ones with a `?`.
    std::string members_body(const std::vector<std::pair<std::string, bool>>& members, const std::string& ws) {
        if (members.empty()) return "";
        std::size_t first_required = members.size();
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (members[i].second) {
                first_required = i;
                break;
            }
        }
        std::vector<std::string> alternatives;
        std::size_t bytes = 0;
        for (std::size_t first = 0; first < members.size() && first <= first_required; ++first) {
            std::string alternative = members[first].first;
            for (std::size_t i = first + 1; i < members.size(); ++i) {
                const std::string comma_kv = R"("," )" + ws + " " + members[i].first;
                alternative += members[i].second ? " " + comma_kv : " ( " + comma_kv + " )?";
            }
            bytes += alternative.size();
            rules_.check_size(bytes);  // n optional members give n alternatives of up to n members each
            alternatives.push_back(std::move(alternative));
        }
        if (first_required == members.size()) return "( " + join(alternatives, " | ") + " )? ";
        if (alternatives.size() == 1) return alternatives.front() + " ";
        return "( " + join(alternatives, " | ") + " ) ";
    }

    std::string map_body(const Json& value_schema, const std::string& name, const std::string& path) {
        const std::string ws = primitives_.use("ws");
        auto saved = std::exchange(left_open_, {});
        const std::string kv = rules_.reserve(name + "-kv");
        const std::string value = visit(value_schema, name + "-value", path);
        left_open_ = std::move(saved);
        rules_.define(kv, primitives_.use("string") + " " + ws + R"( ":" )" + ws + " " + value + " " + ws);
        return R"("{" )" + ws + " ( " + kv + R"( ( "," )" + ws + " " + kv + R"( )* )? "}")";
    }

    const Json& root_;
    GbnfRuleSet rules_;
    JsonGrammarPrimitives primitives_;
    std::map<std::string, std::string> ref_rules_;  // "$ref" target -> its rule
    std::set<std::string> left_open_;  // "$ref" targets entered since the last character the grammar consumed
    int depth_ = 0;
};

}  // namespace

namespace {

// Schema levels are bounded by kMaxDepth while converting, but copying a schema into ordered_json and
// writing out enum/const values recurse over the JSON itself: its depth is checked before either.
constexpr std::size_t kMaxJsonDepth = 4 * kMaxDepth;

void check_json_depth(std::size_t depth) {
    if (depth > kMaxJsonDepth) {
        throw unsupported("#", "the schema nests deeper than " + std::to_string(kMaxJsonDepth) + " JSON levels");
    }
}

}  // namespace

std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema) {
    check_json_depth(json_depth(schema, kMaxJsonDepth));
    try {
        return SchemaConverter(schema).convert();
    } catch (const nlohmann::json::exception& error) {
        // Reached through values of the wrong JSON type, or strings that are not UTF-8.
        throw ClientError("invalid_schema", std::string("the schema cannot be read: ") + error.what());
    }
}

std::string json_schema_to_gbnf(const nlohmann::json& schema) {
    check_json_depth(json_depth(schema, kMaxJsonDepth));
    return json_schema_to_gbnf(Json(schema));
}

}  // namespace vg::engine
