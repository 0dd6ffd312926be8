#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/inference.hpp"

namespace vg::services {

// OpenAI chat-completions shapes, so the ecosystem's clients (SDKs, UIs) speak to us unchanged.
struct CompletionIdentity {
    std::string id;  // "chatcmpl-<request id>"
    long long created = 0;
    std::string model;
};

nlohmann::json chat_completion(const CompletionIdentity& who, const engine::InferenceResult& result);
// One SSE event ("data: {...}\n\n") of a streamed completion.
std::string chat_chunk_event(const CompletionIdentity& who, const nlohmann::json& delta, const char* finish_reason = nullptr);
std::string chat_usage_event(const CompletionIdentity& who, const engine::InferenceResult& result);
inline constexpr const char* kDoneEvent = "data: [DONE]\n\n";
// An error inside a stream that has already started (HTTP status can no longer change).
std::string stream_error_event(const engine::InferenceError& error, const std::string& request_id);

// The native /api/model/infer answer.
nlohmann::json infer_response(const engine::InferenceResult& result, double image_decode_ms, double total_ms, const std::string& model,
                              const std::string& instance);

}  // namespace vg::services
