#include "services/model/model_request.hpp"

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "core/json_depth.hpp"
#include "engine/text/json_schema_grammar.hpp"
#include "engine/text/utf8_stream.hpp"
#include "image/data_uri.hpp"
#include "net/multipart.hpp"

namespace vg::services {
namespace {

using nlohmann::json;

// Any JSON object: what response_format {"type": "json_object"} asks for.
constexpr const char* kJsonObjectGrammar = R"(root ::= object
value ::= object | array | string | number | ("true" | "false" | "null")
object ::= "{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* )? ws "}"
array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
number ::= "-"? ( [0-9] | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?
ws ::= [ \t\n]{0,20}
)";

constexpr std::size_t kMaxBodyDepth = 512;

[[noreturn]] void invalid(const std::string& field, const std::string& message) {
    throw ClientError("invalid_field", field + ": " + message);
}

json parse_body(const std::string& body) {
    if (body.empty()) throw ClientError("empty_body", "the request body is empty; send a JSON object");
    json parsed;
    try {
        // nlohmann parses (and destroys) iteratively, so any depth is safe here; see the check below.
        parsed = json::parse(body);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        throw ClientError("invalid_json", std::string("the body is not valid JSON: ") + e.what());
    }
    if (!parsed.is_object()) throw ClientError("invalid_json", "the body must be a JSON object");
    // Copying or dumping a JSON value recurses once per level: a hostile depth must stop here. Deep
    // enough for any schema the grammar converter takes.
    if (json_depth(parsed, kMaxBodyDepth) > kMaxBodyDepth) {
        throw ClientError("invalid_json", "the body nests deeper than " + std::to_string(kMaxBodyDepth) + " levels");
    }
    return parsed;
}

void reject_unknown(const json& object, const std::set<std::string>& allowed, const std::string& where) {
    for (const auto& [key, value] : object.items()) {
        if (!allowed.contains(key)) {
            std::string names;
            for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
            throw ClientError("unknown_field", "unknown field '" + key + "' in " + where + "; allowed: " + names);
        }
    }
}

std::string text_field(const json& object, const char* name, bool required, std::size_t max_bytes) {
    if (!object.contains(name) || object[name].is_null()) {
        if (required) throw ClientError("missing_field", std::string(name) + " is required");
        return {};
    }
    if (!object[name].is_string()) invalid(name, "must be a string");
    std::string value = object[name].get<std::string>();
    if (value.size() > max_bytes) {
        throw ClientError("field_too_long", std::string(name) + " is " + std::to_string(value.size()) + " bytes; the limit is " +
                                                std::to_string(max_bytes));
    }
    if (!engine::is_valid_utf8(value)) invalid(name, "must be valid UTF-8");
    return value;
}

double number_field(const json& value, const char* name, double low, double high) {
    if (!value.is_number()) invalid(name, "must be a number");
    double v = value.get<double>();
    if (!std::isfinite(v) || v < low || v > high) {
        invalid(name, "must be between " + json(low).dump() + " and " + json(high).dump() + ", got " + value.dump());
    }
    return v;
}

long long integer_field(const json& value, const char* name, long long low, long long high) {
    if (!value.is_number_integer() && !value.is_number_unsigned()) invalid(name, "must be an integer");
    if (value.is_number_unsigned() && value.get<unsigned long long>() > static_cast<unsigned long long>(high)) {
        invalid(name, "must be between " + std::to_string(low) + " and " + std::to_string(high) + ", got " + value.dump());
    }
    long long v = value.get<long long>();
    if (v < low || v > high) invalid(name, "must be between " + std::to_string(low) + " and " + std::to_string(high) + ", got " + value.dump());
    return v;
}

// The /api/model/infer shape, whatever the encoding: the question after the image, then sampling.
void finish_infer_request(const json& fields, ModelRequest& request, const RequestLimits& limits);

}  // namespace

void read_sampling(const json& object, engine::SamplingParams& sampling, const RequestLimits& limits) {
    if (object.contains("max_tokens") && !object["max_tokens"].is_null()) {
        sampling.max_tokens = static_cast<int>(integer_field(object["max_tokens"], "max_tokens", 1, limits.max_tokens_limit));
    }
    if (object.contains("max_completion_tokens") && !object["max_completion_tokens"].is_null()) {
        sampling.max_tokens =
            static_cast<int>(integer_field(object["max_completion_tokens"], "max_completion_tokens", 1, limits.max_tokens_limit));
    }
    if (object.contains("temperature") && !object["temperature"].is_null()) sampling.temperature = number_field(object["temperature"], "temperature", 0, 2);
    if (object.contains("top_p") && !object["top_p"].is_null()) sampling.top_p = number_field(object["top_p"], "top_p", 0, 1);
    if (object.contains("top_k") && !object["top_k"].is_null()) sampling.top_k = static_cast<int>(integer_field(object["top_k"], "top_k", 0, 1000));
    if (object.contains("seed") && !object["seed"].is_null()) sampling.seed = static_cast<std::uint32_t>(integer_field(object["seed"], "seed", 0, 4294967295LL));
    if (object.contains("stop") && !object["stop"].is_null()) {
        const auto& stop = object["stop"];
        if (stop.is_string()) {
            sampling.stop = {stop.get<std::string>()};
        } else if (stop.is_array() && stop.size() <= 4) {
            sampling.stop.clear();
            for (const auto& s : stop) {
                if (!s.is_string() || s.get<std::string>().empty()) invalid("stop", "must be non-empty strings");
                sampling.stop.push_back(s.get<std::string>());
            }
        } else {
            invalid("stop", "must be a string or a list of at most 4 strings");
        }
    }
    if (object.contains("json_schema") && !object["json_schema"].is_null()) {
        if (!object["json_schema"].is_object()) invalid("json_schema", "must be a JSON Schema object");
        sampling.grammar = engine::json_schema_to_gbnf(object["json_schema"]);
        sampling.json_schema = object["json_schema"].dump();
    }
}

namespace {

void finish_infer_request(const json& fields, ModelRequest& request, const RequestLimits& limits) {
    std::string question = text_field(fields, "question", true, limits.max_question_bytes);
    if (question.empty()) throw ClientError("missing_field", "question must not be empty");
    request.messages.push_back(engine::ChatMessage{"user", std::string(engine::kImageMarker) + "\n" + question});
    read_sampling(fields, request.sampling, limits);
}

}  // namespace

ModelRequest parse_infer_json(const std::string& body, const RequestLimits& limits) {
    json object = parse_body(body);
    reject_unknown(object, {"image", "image_url", "question", "max_tokens", "temperature", "top_p", "top_k", "seed", "stop", "json_schema"},
                   "the request");
    bool has_image = object.contains("image") && !object["image"].is_null();
    bool has_url = object.contains("image_url") && !object["image_url"].is_null();
    if (has_image == has_url) throw ClientError("missing_field", "give exactly one of image (base64) or image_url (a data: URI)");
    ModelRequest request;
    if (has_image) {
        if (!object["image"].is_string()) invalid("image", "must be a base64 string");
        request.encoded_images.push_back(image::decode_image_field(object["image"].get<std::string>()));
    } else {
        if (!object["image_url"].is_string()) invalid("image_url", "must be a string");
        std::string url = object["image_url"].get<std::string>();
        if (!url.starts_with("data:")) {
            throw ClientError("unsupported_image_url", "image_url must be a data: URI; the model service does not fetch URLs");
        }
        request.encoded_images.push_back(image::decode_data_uri(url).data);
    }
    finish_infer_request(object, request, limits);
    return request;
}

ModelRequest parse_infer_multipart(const net::Request& http, const RequestLimits& limits) {
    auto parts = net::parse_multipart(http.body, http.header("Content-Type"));
    json fields = json::object();
    ModelRequest request;
    for (const auto& part : parts) {
        if (part.name == "image") {
            if (!request.encoded_images.empty()) throw ClientError("invalid_field", "image: only one image part is accepted");
            request.encoded_images.emplace_back(part.data);
        } else if (part.name == "question") {
            fields["question"] = std::string(part.data);
        } else if (part.name == "json_schema") {
            try {
                fields["json_schema"] = json::parse(part.data);
            } catch (const json::exception&) {
                invalid("json_schema", "must be a JSON object");
            }
        } else if (part.name == "stop") {
            fields["stop"] = std::string(part.data);
        } else if (part.name == "max_tokens" || part.name == "temperature" || part.name == "top_p" || part.name == "top_k" ||
                   part.name == "seed") {
            try {
                fields[part.name] = json::parse(part.data);
            } catch (const json::exception&) {
                invalid(part.name, "must be a number");
            }
        } else {
            throw ClientError("unknown_field", "unknown form field '" + part.name + "'; allowed: image, question, max_tokens, temperature, "
                                               "top_p, top_k, seed, stop, json_schema");
        }
    }
    if (request.encoded_images.empty()) throw ClientError("missing_field", "image: add the image file as a form part named 'image'");
    finish_infer_request(fields, request, limits);
    return request;
}

ModelRequest parse_chat_completion(const std::string& body, const RequestLimits& limits) {
    json object = parse_body(body);
    reject_unknown(object,
                   {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "seed", "stop", "stream",
                    "response_format", "n", "user", "stream_options", "frequency_penalty", "presence_penalty"},
                   "the request");
    ModelRequest request;
    request.model = text_field(object, "model", false, 256);
    if (object.contains("n") && !object["n"].is_null() && object["n"] != 1) invalid("n", "only n = 1 is supported");
    if (object.contains("stream") && !object["stream"].is_null()) {
        if (!object["stream"].is_boolean()) invalid("stream", "must be true or false");
        request.stream = object["stream"].get<bool>();
    }
    if (!object.contains("messages") || !object["messages"].is_array() || object["messages"].empty()) {
        throw ClientError("missing_field", "messages must be a non-empty list");
    }
    std::size_t total_text = 0;
    for (const auto& message : object["messages"]) {
        if (!message.is_object()) invalid("messages", "each message must be an object");
        reject_unknown(message, {"role", "content", "name"}, "a message");
        std::string role = text_field(message, "role", true, 32);
        if (role != "system" && role != "user" && role != "assistant") invalid("messages.role", "must be system, user or assistant");
        engine::ChatMessage out{role, ""};
        const auto& content = message.contains("content") ? message["content"] : json();
        if (content.is_string()) {
            out.text = content.get<std::string>();
        } else if (content.is_array()) {
            for (const auto& part : content) {
                if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) invalid("messages.content", "parts need a type");
                std::string type = part["type"].get<std::string>();
                if (type == "text") {
                    out.text += text_field(part, "text", true, limits.max_question_bytes);
                } else if (type == "image_url") {
                    if (role != "user") invalid("messages.content", "images are only accepted in user messages");
                    const auto& image_url = part.contains("image_url") ? part["image_url"] : json();
                    std::string url = image_url.is_string() ? image_url.get<std::string>()
                                      : image_url.is_object() ? text_field(image_url, "url", true, std::string::npos)
                                                              : std::string{};
                    if (!url.starts_with("data:")) {
                        throw ClientError("unsupported_image_url", "image_url must be a data: URI; the model service does not fetch URLs");
                    }
                    if (request.encoded_images.size() >= limits.max_images) {
                        throw ClientError("too_many_images", "at most " + std::to_string(limits.max_images) + " images per request");
                    }
                    request.encoded_images.push_back(image::decode_data_uri(url).data);
                    out.text += std::string(engine::kImageMarker) + "\n";
                } else {
                    invalid("messages.content", "unsupported part type '" + type + "' (text, image_url)");
                }
            }
        } else {
            invalid("messages.content", "must be a string or a list of parts");
        }
        if (!engine::is_valid_utf8(out.text)) invalid("messages.content", "must be valid UTF-8");
        total_text += out.text.size();
        request.messages.push_back(std::move(out));
    }
    if (total_text > limits.max_question_bytes * 4) throw ClientError("field_too_long", "the messages hold too much text");
    read_sampling(object, request.sampling, limits);
    if (object.contains("response_format") && !object["response_format"].is_null()) {
        const auto& format = object["response_format"];
        std::string type = format.is_object() ? text_field(format, "type", true, 32) : "";
        if (type == "json_schema") {
            const auto& wrapper = format.contains("json_schema") ? format["json_schema"] : json();
            const auto& schema = wrapper.is_object() && wrapper.contains("schema") ? wrapper["schema"] : wrapper;
            if (!schema.is_object()) invalid("response_format.json_schema", "must hold a JSON Schema object");
            request.sampling.grammar = engine::json_schema_to_gbnf(schema);
            request.sampling.json_schema = schema.dump();
        } else if (type == "json_object") {
            request.sampling.grammar = kJsonObjectGrammar;
        } else if (type != "text") {
            invalid("response_format.type", "must be text, json_object or json_schema");
        }
    }
    return request;
}

}  // namespace vg::services
