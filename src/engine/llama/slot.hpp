#pragma once
// A request inside the llama engine, and the slot (KV sequence) that serves it. Scheduler-thread
// only, except Task::cancelled.

#include <atomic>
#include <chrono>
#include <algorithm>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "engine/inference.hpp"
#include "engine/llama/llama_runtime.hpp"
#include "engine/text/stop_matcher.hpp"
#include "engine/text/utf8_stream.hpp"

namespace vg::engine {

struct Task {
    InferenceRequest request;
    InferenceCallbacks callbacks;
    Prompt prompt;
    SamplerPtr sampler;
    InferenceResult result;
    std::chrono::steady_clock::time_point enqueued_at;
    std::atomic<bool> cancelled{false};
    // Embeddings found in the cache at admission, held so eviction cannot take them before use
    // (their images were tokenized without pixels).
    std::map<std::string, std::shared_ptr<const std::vector<float>>> pinned_embeddings;
};

struct Slot {
    enum class Phase { kPrefill, kGenerate };

    explicit Slot(llama_seq_id id) : seq(id) {}

    bool busy() const { return task != nullptr; }

    // `reused` leading tokens of the first (text) chunk are already in this slot's KV cache.
    void assign(std::shared_ptr<Task> t, std::size_t reused) {
        task = std::move(t);
        phase = Phase::kPrefill;
        chunk_index = 0;
        chunk_offset = reused;
        n_past = static_cast<llama_pos>(reused);
        batch_index = -1;
        utf8 = Utf8Stream();
        stop = StopMatcher(task->request.sampling.stop);
        task->result.timings.cached_prompt_tokens = static_cast<int>(reused);
    }

    // Frees the slot, remembering the first `keep` prompt tokens still in its KV cache.
    std::shared_ptr<Task> reset(std::size_t keep) {
        auto text = first_text();
        kept_prefix.assign(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(std::min(keep, text.size())));
        auto t = std::move(task);
        task = nullptr;
        return t;
    }

    // How many leading tokens of `candidate`'s first text chunk this free slot still holds.
    std::size_t common_prefix(const Task& candidate) const {
        auto text = first_text(candidate);
        std::size_t n = 0;
        while (n < kept_prefix.size() && n < text.size() && kept_prefix[n] == text[n]) ++n;
        return n;
    }

    // Tokens to reuse for `candidate`: the common prefix, less one when that would leave nothing
    // of the chunk to decode (logits come from decoding at least one token).
    std::size_t reuse_prefix(const Task& candidate) const {
        std::size_t n = common_prefix(candidate);
        std::size_t chunk = first_text(candidate).size();
        bool only_chunk = mtmd_input_chunks_size(candidate.prompt.chunks.get()) == 1;
        return only_chunk && n == chunk && n > 0 ? n - 1 : n;
    }

    // After a request: the first text chunk is fully in the KV cache once decoding moved past it.
    std::size_t keepable_prefix() const {
        if (!task || chunk_index == 0) return 0;
        return first_text().size();
    }

    // The prompt chunk to process next; null once the whole prompt is in the KV cache.
    const mtmd_input_chunk* current_chunk() const {
        auto* chunks = task->prompt.chunks.get();
        return chunk_index < mtmd_input_chunks_size(chunks) ? mtmd_input_chunks_get(chunks, chunk_index) : nullptr;
    }
    bool is_last_chunk() const { return chunk_index + 1 == mtmd_input_chunks_size(task->prompt.chunks.get()); }
    void next_chunk() {
        ++chunk_index;
        chunk_offset = 0;
    }
    llama_sampler* sampler() const { return task->sampler.get(); }

    static std::span<const llama_token> first_text(const Task& t) {
        auto* chunks = t.prompt.chunks.get();
        if (mtmd_input_chunks_size(chunks) == 0) return {};
        const auto* chunk = mtmd_input_chunks_get(chunks, 0);
        if (mtmd_input_chunk_get_type(chunk) != MTMD_INPUT_CHUNK_TYPE_TEXT) return {};
        std::size_t n = 0;
        const llama_token* tokens = mtmd_input_chunk_get_tokens_text(chunk, &n);
        return {tokens, n};
    }
    std::span<const llama_token> first_text() const { return first_text(*task); }

    const llama_seq_id seq;
    std::shared_ptr<Task> task;
    Phase phase = Phase::kPrefill;
    std::size_t chunk_index = 0;
    std::size_t chunk_offset = 0;  // tokens of the current text chunk already batched
    llama_pos n_past = 0;
    int batch_index = -1;          // where this slot's logits are in the current batch
    llama_token last_token = 0;    // sampled, to be decoded next step
    Utf8Stream utf8;
    StopMatcher stop{{}};
    std::vector<llama_token> kept_prefix;  // prompt tokens still in this slot's KV cache while free
};

}  // namespace vg::engine
