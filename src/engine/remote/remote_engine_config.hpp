#pragma once

#include <chrono>
#include <string>

#include "core/config_node.hpp"

namespace vg::engine {

// An OpenAI-compatible upstream (llama-server, vLLM, Ollama) serving the model instead of llama.cpp
// in-process.
struct RemoteEngineConfig {
    std::string url;      // base URL, e.g. http://gpu-box:8000 (…/v1/chat/completions is appended)
    std::string api_key;  // sent as a Bearer token when set
    std::string model;    // model name to request upstream
    std::chrono::milliseconds timeout{120'000};        // whole answer; a request's own deadline may be sooner
    std::chrono::milliseconds connect_timeout{2'000};  // an upstream that is down should fail fast, not at `timeout`
    std::size_t max_connections = 64;
    // Requests waiting for one of those connections; more are refused at once (503 with Retry-After)
    // rather than queued for longer than anyone waits.
    std::size_t max_queue = 64;
    int image_tokens_per_32px = 1;  // for image_tokens() estimates: one token per 32x32 px (Qwen-VL)
};

RemoteEngineConfig parse_remote_engine_config(ConfigNode node);

}  // namespace vg::engine
