#include "engine/llama/llama_engine_config.hpp"

namespace vg::engine {

LlamaEngineConfig parse_llama_engine_config(ConfigNode node) {
    LlamaEngineConfig config;
    node.read("model_path", config.model_path);
    node.read("mmproj_path", config.mmproj_path);
    node.read("slots", config.slots);
    if (config.slots == 0 || config.slots > 256) node.fail("slots", "must be 1..256");
    node.read("context_per_slot", config.context_per_slot);
    if (config.context_per_slot < 256) node.fail("context_per_slot", "must be at least 256 tokens");
    node.read("batch_size", config.batch_size);
    if (config.batch_size < 32) node.fail("batch_size", "must be at least 32");
    node.read("threads", config.threads);
    if (config.threads < 0) node.fail("threads", "must be >= 0 (0: all cores)");
    node.read("gpu_layers", config.gpu_layers);
    node.read("main_gpu", config.main_gpu);
    node.read_enum("flash_attention", config.flash_attention, {"auto", "on", "off"});
    node.read("image_max_tokens", config.image_max_tokens);
    if (config.image_max_tokens < 8) node.fail("image_max_tokens", "must be at least 8");
    node.read("max_queue", config.max_queue);
    node.read("default_deadline", config.default_deadline);
    node.read("image_cache_bytes", config.image_cache_bytes);
    node.read("warmup", config.warmup);
    node.finish();
    return config;
}

}  // namespace vg::engine
