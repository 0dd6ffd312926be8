#pragma once

#include <memory>

#include "core/logging.hpp"
#include "engine/engine.hpp"
#include "engine/llama/llama_engine_config.hpp"

namespace prometheus {
class Registry;
}

namespace vg::engine {

// Qwen3-VL (or any llama.cpp vision model) in-process: one model, one context with a sequence per
// slot, and one scheduler thread that owns every llama.cpp call after loading. Each scheduler step
// decodes the next token of every generating slot together with prompt tokens of new requests
// (continuous batching); images are encoded once and their embeddings cached by pixel hash.
class LlamaEngine final : public Engine {
public:
    // Loads the model (slow); throws std::runtime_error when a file cannot be loaded.
    LlamaEngine(const LlamaEngineConfig& config, prometheus::Registry& registry, Logger log);
    ~LlamaEngine() override;

    std::shared_ptr<InferenceHandle> submit(InferenceRequest request, InferenceCallbacks callbacks) override;
    int image_tokens(int width, int height) const override;
    bool ready() const override;
    bool saturated() const override;
    std::string model_name() const override;
    nlohmann::json info() const override;

private:
    class Scheduler;
    std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace vg::engine
