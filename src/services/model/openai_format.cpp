#include "services/model/openai_format.hpp"

namespace vg::services {
namespace {

using nlohmann::json;

std::string event(const json& payload) {
    return "data: " + payload.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

json usage(const engine::Usage& u) {
    return {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}, {"total_tokens", u.prompt_tokens + u.completion_tokens},
            {"image_tokens", u.image_tokens}};
}

}  // namespace

json chat_completion(const CompletionIdentity& who, const engine::InferenceResult& result) {
    return {{"id", who.id},
            {"object", "chat.completion"},
            {"created", who.created},
            {"model", who.model},
            {"choices", json::array({{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", result.text}}},
                                      {"finish_reason", result.finish_reason}}})},
            {"usage", usage(result.usage)}};
}

std::string chat_chunk_event(const CompletionIdentity& who, const json& delta, const char* finish_reason) {
    return event({{"id", who.id},
                  {"object", "chat.completion.chunk"},
                  {"created", who.created},
                  {"model", who.model},
                  {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason ? json(finish_reason) : json()}}})}});
}

std::string chat_usage_event(const CompletionIdentity& who, const engine::InferenceResult& result) {
    return event({{"id", who.id},
                  {"object", "chat.completion.chunk"},
                  {"created", who.created},
                  {"model", who.model},
                  {"choices", json::array()},
                  {"usage", usage(result.usage)},
                  // Not in OpenAI's schema (clients ignore unknown fields): the latency breakdown the
                  // console shows, as llama.cpp's own server adds `timings` to its last chunk.
                  {"timings",
                   {{"queue_ms", result.timings.queue_ms},
                    {"image_encode_ms", result.timings.image_encode_ms},
                    {"prefill_ms", result.timings.prefill_ms},
                    {"decode_ms", result.timings.decode_ms}}}});
}

std::string stream_error_event(const engine::InferenceError& error, const std::string& request_id) {
    return event({{"error", {{"code", error.code}, {"message", error.message}, {"request_id", request_id}}}});
}

json infer_response(const engine::InferenceResult& result, double image_decode_ms, double total_ms, const std::string& model,
                    const std::string& instance) {
    const auto& t = result.timings;
    return {{"result", result.text},
            {"finish_reason", result.finish_reason},
            {"usage",
             {{"prompt_tokens", result.usage.prompt_tokens},
              {"image_tokens", result.usage.image_tokens},
              {"completion_tokens", result.usage.completion_tokens}}},
            {"timings",
             {{"image_decode_ms", image_decode_ms},
              {"queue_ms", t.queue_ms},
              {"image_encode_ms", t.image_encode_ms},
              {"prefill_ms", t.prefill_ms},
              {"decode_ms", t.decode_ms},
              {"total_ms", total_ms},
              {"images_from_cache", t.images_from_cache},
              {"cached_prompt_tokens", t.cached_prompt_tokens}}},
            {"model", model},
            {"instance", instance}};
}

}  // namespace vg::services
