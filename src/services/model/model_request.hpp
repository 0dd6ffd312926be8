#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/inference.hpp"
#include "net/request.hpp"

namespace vg::services {

// Bounds on what a request may ask for, from the model service's config.
struct RequestLimits {
    int max_tokens_limit = 8192;
    std::size_t max_question_bytes = 64 * 1024;
    std::size_t max_images = 4;
};

// A model request after validation, before the image is decoded.
struct ModelRequest {
    std::vector<engine::ChatMessage> messages;  // images marked with engine::kImageMarker
    std::vector<std::string> encoded_images;    // raw image bytes, in marker order
    engine::SamplingParams sampling;
    bool stream = false;
    std::string model;  // as the client named it (OpenAI API), may be empty
};

// POST /api/model/infer with a JSON body: {"image" | "image_url", "question", sampling…}.
ModelRequest parse_infer_json(const std::string& body, const RequestLimits& limits);
// POST /api/model/infer as multipart/form-data: an "image" file part plus text fields.
ModelRequest parse_infer_multipart(const net::Request& request, const RequestLimits& limits);
// POST /v1/chat/completions in OpenAI's format, images as image_url parts with data: URIs.
ModelRequest parse_chat_completion(const std::string& body, const RequestLimits& limits);

// Sampling defaults (temperature 0.7, top_p 0.8, top_k 20, max_tokens 1024) overridden by a
// request's fields, each range-checked; `json_schema` becomes a grammar. Throws ClientError.
void read_sampling(const nlohmann::json& object, engine::SamplingParams& sampling, const RequestLimits& limits);

}  // namespace vg::services
