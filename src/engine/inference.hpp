#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vg::engine {

// Sampling as the original design set it: temperature 0.7, top_p 0.8, top_k 20, 1024 new tokens.
struct SamplingParams {
    double temperature = 0.7;
    double top_p = 0.8;
    int top_k = 20;
    int max_tokens = 1024;
    std::optional<std::uint32_t> seed;  // random when unset
    std::vector<std::string> stop;      // generation ends before the first occurrence of any
    std::string grammar;                // GBNF constraining the output; empty: free text
    std::string json_schema;            // the schema behind `grammar`, if any (remote engines pass it on)
};

// An image as the model will see it: decoded, oriented, resized RGB8.
struct ModelImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3
    std::string hash;               // content hash of the pixels: the embedding-cache key
};

struct ChatMessage {
    std::string role;  // system, user, assistant
    std::string text;  // images of a user message are marked by kImageMarker in the text
};

// Where an image goes in a message's text.
inline constexpr const char* kImageMarker = "<__media__>";

struct InferenceRequest {
    std::vector<ChatMessage> messages;
    std::vector<std::shared_ptr<const ModelImage>> images;  // in marker order
    SamplingParams sampling;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::string request_id;
};

struct Usage {
    int prompt_tokens = 0;  // text and image tokens of the prompt
    int image_tokens = 0;
    int completion_tokens = 0;
};

struct Timings {
    double queue_ms = 0;
    double image_encode_ms = 0;
    double prefill_ms = 0;
    double decode_ms = 0;
    int images_from_cache = 0;
    int cached_prompt_tokens = 0;  // leading prompt tokens whose KV was reused from an earlier request
};

struct InferenceResult {
    std::string text;
    std::string finish_reason;  // "stop" (end of generation or stop string), "length" (max_tokens)
    Usage usage;
    Timings timings;
};

// A failure reported as a value: a stable code, a message and the HTTP status it maps to.
struct InferenceError {
    std::string code;
    std::string message;
    int http_status = 500;
    int retry_after_seconds = 0;  // >0 for 503 queue_full
};

// Receives one request's output. on_text gets whole UTF-8 characters only, in order; exactly one of
// on_done / on_error is called last. Called from the engine's thread: return quickly.
struct InferenceCallbacks {
    std::function<void(const std::string& text)> on_text;
    std::function<void(InferenceResult result)> on_done;
    std::function<void(InferenceError error)> on_error;
};

// A submitted request. cancel() frees its slot promptly (thread-safe, idempotent).
class InferenceHandle {
public:
    virtual ~InferenceHandle() = default;
    virtual void cancel() = 0;
};

}  // namespace vg::engine
