#pragma once
// The llama.cpp objects of one loaded model. Only the engine's files include this header.

#include <llama.h>
#include <mtmd-helper.h>
#include <mtmd.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/logging.hpp"
#include "engine/inference.hpp"
#include "engine/llama/llama_engine_config.hpp"

namespace vg::engine {

struct ModelDeleter {
    void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
    void operator()(llama_context* c) const { llama_free(c); }
};
struct SamplerDeleter {
    void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// A tokenized prompt: text and image chunks in order, plus their token counts.
struct Prompt {
    mtmd::input_chunks_ptr chunks;
    int text_tokens = 0;
    int image_tokens = 0;
    int total_tokens() const { return text_tokens + image_tokens; }
};

// Loads the language model, its context with one sequence per slot, and the vision projector.
// Construction throws std::runtime_error naming the file that failed. tokenize() and the
// const queries are thread-safe; decode-side calls belong to the engine's scheduler thread.
class LlamaRuntime {
public:
    LlamaRuntime(const LlamaEngineConfig& config, Logger log);

    // Applies the model's chat template and tokenizes text and images (thread-safe, no decoding).
    // Images whose hash is in `skip_pixels` (their embedding is at hand) become size-only
    // placeholders: same tokens and positions, without mtmd's pixel preprocessing.
    Prompt tokenize(const std::vector<ChatMessage>& messages, const std::vector<std::shared_ptr<const ModelImage>>& images,
                    const std::set<std::string>& skip_pixels = {}) const;
    // Tokens an image of this size turns into (uses mtmd's own preprocessing rules).
    int image_tokens(int width, int height) const;

    llama_model* model() const { return model_.get(); }
    llama_context* context() const { return context_.get(); }
    mtmd_context* vision() const { return vision_.get(); }
    const llama_vocab* vocab() const { return llama_model_get_vocab(model_.get()); }
    int context_per_slot() const { return static_cast<int>(llama_n_ctx_seq(context_.get())); }
    int embedding_width() const { return llama_model_n_embd_inp(model_.get()); }
    const std::string& description() const { return description_; }

private:
    std::string apply_template(const std::vector<ChatMessage>& messages) const;

    std::unique_ptr<llama_model, ModelDeleter> model_;
    std::unique_ptr<llama_context, ContextDeleter> context_;
    mtmd::context_ptr vision_;
    std::string chat_template_;
    std::string description_;
    Logger log_;
};

// One sampler chain per request: grammar (if any) → top-k → top-p → temperature → seeded draw;
// temperature 0 is greedy.
SamplerPtr make_sampler(const llama_vocab* vocab, const SamplingParams& sampling);

}  // namespace vg::engine
