#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace vg::engine {

// Converts a JSON Schema into a llama.cpp GBNF grammar (start rule `root`) that admits only JSON documents
// valid against the schema, so a model sampled under it can only produce such documents. The grammar may
// admit a subset of the valid documents (compact numbers, no raw DEL in strings, only listed properties);
// never a superset.
//
// Supported: type (one or a list, e.g. ["string", "null"]), properties (in declared order), required,
// additionalProperties (default: only listed properties; with no properties listed, a schema or true gives a
// map), items, minItems, maxItems, minLength, maxLength (bounds up to 1000), enum, const, anyOf, oneOf (as
// alternatives), format date / time / date-time / uuid, and $ref to "#", "#/$defs/..." or any other local
// JSON pointer, recursive ones included. Annotations (title, description, default, ...) and unknown keywords
// are ignored.
//
// Throws ClientError "unsupported_schema" for keywords that restrict validity but are not supported
// (pattern, minimum, allOf, ...) and "invalid_schema" for schemas that are not valid JSON Schema or admit
// nothing; the message names the keyword and its JSON pointer. Thread-safe (no shared state).
//
// Takes ordered_json because properties are generated in declared order, and nlohmann::json sorts keys.
std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema);

// As above; properties come in sorted key order, the declared order being lost once parsed into json.
std::string json_schema_to_gbnf(const nlohmann::json& schema);

}  // namespace vg::engine
