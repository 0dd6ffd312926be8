#include "services/business/task_input.hpp"

#include "core/error.hpp"
#include "core/json_depth.hpp"
#include "engine/text/utf8_stream.hpp"
#include "image/data_uri.hpp"
#include "net/multipart.hpp"

namespace vg::services::business {

namespace {

constexpr std::size_t kMaxReference = 256;
constexpr std::size_t kMaxQuestion = 4096;
constexpr std::size_t kMaxMetadata = 16 * 1024;
constexpr std::size_t kMaxMetadataDepth = 32;  // checked before dump(), which recurses once per level

void check_metadata_depth(const nlohmann::json& value) {
    if (json_depth(value, kMaxMetadataDepth) > kMaxMetadataDepth) {
        throw ClientError("invalid_field",
                          "metadata nests deeper than " + std::to_string(kMaxMetadataDepth) + " levels");
    }
}

void check_text(const std::string& field, const std::string& value, std::size_t max) {
    if (value.size() > max) throw ClientError("invalid_field", field + " is longer than " + std::to_string(max) + " bytes");
}

nlohmann::json parse_metadata(std::string_view text) {
    if (text.size() > kMaxMetadata) throw ClientError("invalid_field", "metadata is larger than 16 KiB");
    auto value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object()) throw ClientError("invalid_field", "metadata must be a JSON object");
    check_metadata_depth(value);
    return value;
}

TaskInput from_json(const net::Request& request) {
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded()) throw ClientError("invalid_json", "the body is not valid JSON");
    if (!body.is_object()) throw ClientError("invalid_json", "the body must be a JSON object");
    TaskInput input;
    for (const auto& [key, value] : body.items()) {
        if (key == "image") {
            if (!value.is_string()) throw ClientError("invalid_field", "image must be a base64 string or a data URI");
            input.image = image::decode_image_field(value.get_ref<const std::string&>());
        } else if (key == "caller_reference") {
            if (!value.is_string()) throw ClientError("invalid_field", "caller_reference must be a string");
            input.caller_reference = value.get<std::string>();
        } else if (key == "question") {
            if (!value.is_string()) throw ClientError("invalid_field", "question must be a string");
            input.question = value.get<std::string>();
        } else if (key == "metadata") {
            if (!value.is_object() && !value.is_null()) throw ClientError("invalid_field", "metadata must be a JSON object");
            check_metadata_depth(value);
            if (value.dump().size() > kMaxMetadata) throw ClientError("invalid_field", "metadata is larger than 16 KiB");
            input.metadata = value;
        } else {
            throw ClientError("unknown_field", "unknown field '" + key + "' (allowed: image, caller_reference, metadata, question)");
        }
    }
    return input;
}

// Form fields are raw bytes where JSON strings are UTF-8 by construction: text that goes into prompts
// and the store must be UTF-8 whichever encoding brought it (PostgreSQL refuses anything else).
std::string text_part(const net::MultipartPart& part) {
    if (!engine::is_valid_utf8(part.data)) throw ClientError("invalid_field", part.name + " must be valid UTF-8");
    return std::string(part.data);
}

TaskInput from_multipart(const net::Request& request) {
    TaskInput input;
    for (const auto& part : net::parse_multipart(request.body, request.header("Content-Type"))) {
        if (part.name == "image" || part.name == "file") {
            input.image = std::string(part.data);
        } else if (part.name == "caller_reference") {
            input.caller_reference = text_part(part);
        } else if (part.name == "question") {
            input.question = text_part(part);
        } else if (part.name == "metadata") {
            input.metadata = parse_metadata(part.data);
        } else {
            throw ClientError("unknown_field", "unknown form field '" + part.name + "' (allowed: image, file, caller_reference, metadata, question)");
        }
    }
    return input;
}

}  // namespace

TaskInput parse_task_input(const net::Request& request) {
    const std::string type = request.content_type();
    TaskInput input;
    if (type == "application/json") {
        input = from_json(request);
    } else if (type == "multipart/form-data") {
        input = from_multipart(request);
    } else {
        throw ClientError("unsupported_media_type", "send application/json or multipart/form-data", 415);
    }
    if (input.image.empty()) throw ClientError("missing_field", "an image is required");
    check_text("caller_reference", input.caller_reference, kMaxReference);
    check_text("question", input.question, kMaxQuestion);
    return input;
}

}  // namespace vg::services::business
