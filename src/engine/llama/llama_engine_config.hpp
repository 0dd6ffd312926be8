#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/config_node.hpp"

namespace vg::engine {

// The in-process llama.cpp engine. Defaults suit a CPU box; GPU options pass straight through.
struct LlamaEngineConfig {
    std::string model_path;   // language model GGUF (e.g. Qwen3VL-8B-Instruct-Q8_0.gguf)
    std::string mmproj_path;  // vision projector GGUF (e.g. mmproj-Qwen3VL-8B-Instruct-F16.gguf)
    std::size_t slots = 8;                 // sequences decoded together (continuous batching)
    std::size_t context_per_slot = 4096;   // tokens of KV cache each slot may use
    std::size_t batch_size = 512;          // tokens per llama_decode call
    int threads = 0;                       // 0: all cores
    int gpu_layers = 0;                    // layers offloaded to the GPU (-1: all)
    int main_gpu = 0;
    std::string flash_attention = "auto";  // auto, on, off
    int image_max_tokens = 1024;           // the vision encoder's budget per image
    std::size_t max_queue = 64;            // waiting requests beyond the busy slots; more get 503
    std::chrono::milliseconds default_deadline{120'000};
    ByteSize image_cache_bytes{256u * 1024 * 1024};  // image-embedding cache (LRU)
    bool warmup = true;
};

LlamaEngineConfig parse_llama_engine_config(ConfigNode node);

}  // namespace vg::engine
