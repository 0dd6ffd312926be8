#include "engine/remote/chat_request.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace vg::engine {
namespace {

using nlohmann::json;

ClientError marker_mismatch(std::size_t markers, std::size_t images) {
    return ClientError("image_marker_mismatch", "the prompt has " + std::to_string(markers) + " image markers but " +
                                                    std::to_string(images) + " images were given");
}

std::size_t count_markers(const std::vector<ChatMessage>& messages) {
    const std::string_view marker = kImageMarker;
    std::size_t count = 0;
    for (const auto& message : messages) {
        for (auto pos = message.text.find(marker); pos != std::string::npos;
             pos = message.text.find(marker, pos + marker.size())) {
            ++count;
        }
    }
    return count;
}

}  // namespace

json chat_messages(const std::vector<ChatMessage>& messages,
                   const std::vector<std::shared_ptr<const ModelImage>>& images, const ImageUrlFn& image_url) {
    // Counted first so that a mismatch costs no image encoding.
    if (const std::size_t markers = count_markers(messages); markers != images.size()) {
        throw marker_mismatch(markers, images.size());
    }
    const std::string_view marker = kImageMarker;
    json out = json::array();
    std::size_t next_image = 0;
    for (const auto& message : messages) {
        const std::string_view text = message.text;
        if (text.find(marker) == std::string_view::npos) {
            out.push_back({{"role", message.role}, {"content", message.text}});
            continue;
        }
        json parts = json::array();
        std::size_t start = 0;
        for (auto pos = text.find(marker); pos != std::string_view::npos; pos = text.find(marker, start)) {
            if (pos > start) parts.push_back({{"type", "text"}, {"text", text.substr(start, pos - start)}});
            const auto& image = images[next_image++];
            if (!image)
                throw ClientError("image_marker_mismatch", "image " + std::to_string(next_image) + " is missing");
            parts.push_back({{"type", "image_url"}, {"image_url", {{"url", image_url(*image)}}}});
            start = pos + marker.size();
        }
        if (start < text.size()) parts.push_back({{"type", "text"}, {"text", text.substr(start)}});
        out.push_back({{"role", message.role}, {"content", std::move(parts)}});
    }
    return out;
}

void add_sampling(json& body, const SamplingParams& sampling) {
    body["temperature"] = sampling.temperature;
    body["top_p"] = sampling.top_p;
    body["top_k"] = sampling.top_k;
    body["max_tokens"] = sampling.max_tokens;
    if (sampling.seed) body["seed"] = *sampling.seed;
    if (!sampling.stop.empty()) body["stop"] = sampling.stop;
    if (!sampling.json_schema.empty()) {
        json schema = json::parse(sampling.json_schema, nullptr, false);
        if (schema.is_discarded()) throw ClientError("invalid_json_schema", "the JSON schema is not valid JSON");
        body["response_format"] = {{"type", "json_schema"},
                                   {"json_schema", {{"name", "result"}, {"schema", std::move(schema)}}}};
    } else if (!sampling.grammar.empty()) {
        body["grammar"] = sampling.grammar;
    }
}

json chat_completion_body(const InferenceRequest& request, std::string_view model, const ImageUrlFn& image_url) {
    json body = json::object();
    if (!model.empty()) body["model"] = model;
    body["messages"] = chat_messages(request.messages, request.images, image_url);
    body["stream"] = true;
    // Without it OpenAI and vLLM send no token counts in a stream; llama-server sends them either way.
    body["stream_options"] = {{"include_usage", true}};
    add_sampling(body, request.sampling);
    return body;
}

}  // namespace vg::engine
