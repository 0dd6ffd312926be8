#pragma once
// A request inside the llama engine, and the slot (KV sequence) that serves it. Scheduler-thread
// only, except Task::cancelled.

#include <atomic>
#include <chrono>
#include <memory>

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
};

struct Slot {
    enum class Phase { kPrefill, kGenerate };

    explicit Slot(llama_seq_id id) : seq(id) {}

    bool busy() const { return task != nullptr; }

    void assign(std::shared_ptr<Task> t) {
        task = std::move(t);
        phase = Phase::kPrefill;
        chunk_index = 0;
        chunk_offset = 0;
        n_past = 0;
        batch_index = -1;
        utf8 = Utf8Stream();
        stop = StopMatcher(task->request.sampling.stop);
    }

    std::shared_ptr<Task> reset() {
        auto t = std::move(task);
        task = nullptr;
        return t;
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
};

}  // namespace vg::engine
