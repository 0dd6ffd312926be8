#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/inference.hpp"

namespace vg::engine {

// Turns an image into the URL of an OpenAI image_url part (png_data_uri in production; tests pass a stub).
using ImageUrlFn = std::function<std::string(const ModelImage& image)>;

// OpenAI chat messages: a message without images keeps its text as a plain string; one with kImageMarker
// becomes content parts, text and image_url interleaved where the markers were. Images are taken in order
// across all messages. Throws ClientError "image_marker_mismatch" when markers and images differ in number.
nlohmann::json chat_messages(const std::vector<ChatMessage>& messages,
                             const std::vector<std::shared_ptr<const ModelImage>>& images, const ImageUrlFn& image_url);

// Adds the sampling fields to a request body: OpenAI's, plus top_k (accepted by llama-server and vLLM) and, for
// a grammar without a schema, llama-server's `grammar`. A schema goes as response_format json_schema, which
// every OpenAI-compatible server understands. Throws ClientError "invalid_json_schema" if the schema is not JSON.
void add_sampling(nlohmann::json& body, const SamplingParams& sampling);

// The whole streaming request body; `model` is omitted when empty (single-model servers ignore it anyway).
nlohmann::json chat_completion_body(const InferenceRequest& request, std::string_view model,
                                    const ImageUrlFn& image_url);

}  // namespace vg::engine
