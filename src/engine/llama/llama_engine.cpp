#include "engine/llama/llama_engine.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "engine/llama/embedding_cache.hpp"
#include "engine/llama/engine_metrics.hpp"
#include "engine/llama/llama_runtime.hpp"
#include "engine/llama/slot.hpp"

namespace vg::engine {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

class TaskHandle final : public InferenceHandle {
public:
    TaskHandle(std::weak_ptr<Task> task, std::function<void()> wake) : task_(std::move(task)), wake_(std::move(wake)) {}
    void cancel() override {
        if (auto task = task_.lock()) {
            task->cancelled.store(true);
            wake_();
        }
    }

private:
    std::weak_ptr<Task> task_;
    std::function<void()> wake_;
};

}  // namespace

class LlamaEngine::Scheduler {
public:
    Scheduler(const LlamaEngineConfig& config, prometheus::Registry& registry, Logger log)
        : config_(config),
          log_(log),
          metrics_(registry),
          runtime_(config, log),
          cache_(config.image_cache_bytes.bytes),
          batch_(llama_batch_init(static_cast<int32_t>(config.batch_size + config.slots), 0, 1)) {
        for (std::size_t i = 0; i < config.slots; ++i) slots_.push_back(std::make_unique<Slot>(static_cast<llama_seq_id>(i)));
        metrics_.kv_capacity_tokens.Set(static_cast<double>(runtime_.context_per_slot() * static_cast<int>(config.slots)));
        thread_ = std::thread([this] { run(); });
        log_.info("", "model loaded",
                  nlohmann::json{{"model", runtime_.description()}, {"slots", config.slots}, {"context_per_slot", runtime_.context_per_slot()}});
    }

    ~Scheduler() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
        llama_batch_free(batch_);
    }

    std::shared_ptr<InferenceHandle> submit(InferenceRequest request, InferenceCallbacks callbacks) {
        auto task = std::make_shared<Task>();
        task->callbacks = std::move(callbacks);
        auto handle = std::make_shared<TaskHandle>(task, [this] { wake_.notify_all(); });
        try {
            admit(*task, request);
        } catch (const Error& e) {
            if (e.code() == "context_exceeded") metrics_.rejected_context.Increment();
            task->callbacks.on_error(InferenceError{e.code(), e.what(), e.http_status(), 0});
            return handle;
        }
        task->request = std::move(request);
        task->enqueued_at = Clock::now();
        {
            std::lock_guard lock(mutex_);
            if (queue_.size() >= config_.max_queue) {
                metrics_.rejected_queue_full.Increment();
                task->callbacks.on_error(InferenceError{"queue_full",
                                                        "all " + std::to_string(config_.slots) + " slots are busy and " +
                                                            std::to_string(queue_.size()) + " requests are waiting; retry shortly",
                                                        503, 1});
                return handle;
            }
            queue_.push_back(task);
            metrics_.queue_depth.Set(static_cast<double>(queue_.size()));
        }
        wake_.notify_all();
        return handle;
    }

    int image_tokens(int width, int height) const { return runtime_.image_tokens(width, height); }

    bool saturated() const {
        std::lock_guard lock(mutex_);
        return queue_.size() >= config_.max_queue;
    }

    nlohmann::json info() const {
        auto stats = cache_.stats();
        std::size_t waiting;
        {
            std::lock_guard lock(mutex_);
            waiting = queue_.size();
        }
        return {{"model", model_name()},
                {"description", runtime_.description()},
                {"slots", config_.slots},
                {"active_slots", active_.load()},
                {"queue_depth", waiting},
                {"max_queue", config_.max_queue},
                {"context_per_slot", runtime_.context_per_slot()},
                {"batch_size", config_.batch_size},
                {"image_max_tokens", config_.image_max_tokens},
                {"image_cache",
                 {{"entries", stats.entries},
                  {"bytes", stats.bytes},
                  {"capacity_bytes", stats.capacity_bytes},
                  {"hits", stats.hits},
                  {"misses", stats.misses},
                  {"evictions", stats.evictions}}}};
    }

    std::string model_name() const { return std::filesystem::path(config_.model_path).stem().string(); }

private:
    // Runs on the caller's thread: tokenizing (and mtmd's image preprocessing) is thread-safe,
    // so it stays off the scheduler thread, and the exact prompt size is known before queueing.
    void admit(Task& task, InferenceRequest& request) {
        const auto& s = request.sampling;
        if (s.max_tokens < 1) throw ClientError("invalid_max_tokens", "max_tokens must be at least 1");
        std::set<std::string> cached;
        for (const auto& image : request.images) {
            if (auto embedding = cache_.find(image->hash)) {
                task.pinned_embeddings[image->hash] = std::move(embedding);
                cached.insert(image->hash);
            }
        }
        task.prompt = runtime_.tokenize(request.messages, request.images, cached);
        int needed = task.prompt.total_tokens() + s.max_tokens;
        if (needed > runtime_.context_per_slot()) {
            throw ClientError("context_exceeded", "the prompt needs " + std::to_string(task.prompt.total_tokens()) + " tokens (" +
                                                      std::to_string(task.prompt.image_tokens) + " for images) plus max_tokens " +
                                                      std::to_string(s.max_tokens) + ", more than the " +
                                                      std::to_string(runtime_.context_per_slot()) + " tokens of context per request");
        }
        task.sampler = make_sampler(runtime_.vocab(), s);  // fails fast on a bad grammar
        if (request.deadline == Clock::time_point::max()) request.deadline = Clock::now() + config_.default_deadline;
    }

    void run() {
        while (true) {
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || active_.load() > 0; });
                if (stopping_) break;
            }
            fill_free_slots();
            sweep_cancelled_and_expired();
            encode_one_image();
            decode_step();
            update_gauges();
        }
        for (auto& slot : slots_) {
            if (slot->busy()) fail(*slot, InferenceError{"shutting_down", "the model service is shutting down", 503, 1});
        }
        std::lock_guard lock(mutex_);
        for (auto& task : queue_) task->callbacks.on_error(InferenceError{"shutting_down", "the model service is shutting down", 503, 1});
        queue_.clear();
    }

    void fill_free_slots() {
        while (active_.load() < static_cast<int>(slots_.size())) {
            std::shared_ptr<Task> task;
            {
                std::lock_guard lock(mutex_);
                if (queue_.empty()) return;
                task = std::move(queue_.front());
                queue_.pop_front();
                metrics_.queue_depth.Set(static_cast<double>(queue_.size()));
            }
            task->result.timings.queue_ms = ms_since(task->enqueued_at);
            metrics_.queue_seconds.Observe(task->result.timings.queue_ms / 1000);
            Slot& slot = slot_for(*task);
            std::size_t reused = slot.reuse_prefix(*task);
            // Keep the KV of the shared prompt prefix, drop the rest of what the slot held.
            llama_memory_seq_rm(llama_get_memory(runtime_.context()), slot.seq, static_cast<llama_pos>(reused), -1);
            slot.assign(std::move(task), reused);
            metrics_.prefix_reused_tokens.Increment(static_cast<double>(reused));
            active_.fetch_add(1);
        }
    }

    // The free slot whose kept prompt prefix shares the most leading tokens with this request's.
    Slot& slot_for(const Task& task) {
        Slot* best = nullptr;
        std::size_t best_length = 0;
        for (auto& slot : slots_) {
            if (slot->busy()) continue;
            std::size_t length = slot->common_prefix(task);
            if (!best || length > best_length) {
                best = slot.get();
                best_length = length;
            }
        }
        return *best;
    }

    void sweep_cancelled_and_expired() {
        auto now = Clock::now();
        for (auto& slot : slots_) {
            if (!slot->busy()) continue;
            if (slot->task->cancelled.load()) {
                metrics_.cancelled.Increment();
                finish_with_error(*slot, InferenceError{"cancelled", "the request was cancelled", 499, 0});
            } else if (now > slot->task->request.deadline) {
                metrics_.deadline_exceeded.Increment();
                finish_with_error(*slot, InferenceError{"deadline_exceeded", "the request ran past its deadline", 504, 0});
            }
        }
        // Waiting requests that were cancelled or expired leave the queue without taking a slot.
        std::lock_guard lock(mutex_);
        std::erase_if(queue_, [&](const std::shared_ptr<Task>& task) {
            if (task->cancelled.load()) {
                metrics_.cancelled.Increment();
                task->callbacks.on_error(InferenceError{"cancelled", "the request was cancelled", 499, 0});
                return true;
            }
            if (now > task->request.deadline) {
                metrics_.deadline_exceeded.Increment();
                task->callbacks.on_error(InferenceError{"deadline_exceeded", "the request waited past its deadline", 504, 0});
                return true;
            }
            return false;
        });
        metrics_.queue_depth.Set(static_cast<double>(queue_.size()));
    }

    // At most one image per step, so generating slots keep streaming while new images arrive.
    void encode_one_image() {
        for (auto& slot : slots_) {
            if (!slot->busy() || slot->phase != Slot::Phase::kPrefill) continue;
            const mtmd_input_chunk* chunk = slot->current_chunk();
            if (!chunk || mtmd_input_chunk_get_type(chunk) != MTMD_INPUT_CHUNK_TYPE_IMAGE) continue;
            auto start = Clock::now();
            std::string key = mtmd_input_chunk_get_id(chunk) ? mtmd_input_chunk_get_id(chunk) : "";
            auto pinned = slot->task->pinned_embeddings.find(key);
            EmbeddingCache::Embedding embedding = pinned != slot->task->pinned_embeddings.end() ? pinned->second
                                                  : key.empty()                                 ? nullptr
                                                                                                : cache_.find(key);
            if (embedding) {
                metrics_.image_cache_hits.Increment();
                slot->task->result.timings.images_from_cache++;
            } else {
                metrics_.image_cache_misses.Increment();
                if (mtmd_encode_chunk(runtime_.vision(), chunk) != 0) {
                    return fail(*slot, InferenceError{"image_encode_failed", "the vision encoder failed on this image", 500, 0});
                }
                metrics_.image_encodes.Increment();
                const float* out = mtmd_get_output_embd(runtime_.vision());
                std::size_t floats = mtmd_input_chunk_get_n_tokens(chunk) * static_cast<std::size_t>(runtime_.embedding_width());
                embedding = std::make_shared<const std::vector<float>>(out, out + floats);
                if (!key.empty()) cache_.insert(key, embedding);
                double encode_ms = ms_since(start);
                slot->task->result.timings.image_encode_ms += encode_ms;
                metrics_.image_encode_seconds.Observe(encode_ms / 1000);
            }
            auto decode_start = Clock::now();
            llama_pos n_past = slot->n_past;
            int32_t rc = mtmd_helper_decode_image_chunk(runtime_.vision(), runtime_.context(), chunk, const_cast<float*>(embedding->data()),
                                                        slot->n_past, slot->seq, static_cast<int32_t>(config_.batch_size), &n_past);
            if (rc != 0) return fail(*slot, InferenceError{"decode_failed", "decoding the image embedding failed", 500, 0});
            slot->n_past = n_past;
            auto tokens = mtmd_input_chunk_get_n_tokens(chunk);
            metrics_.prefill_tokens.Increment(static_cast<double>(tokens));
            double decode_ms = ms_since(decode_start);
            metrics_.prefill_seconds.Increment(decode_ms / 1000);
            slot->task->result.timings.prefill_ms += decode_ms;
            slot->next_chunk();
            return;
        }
    }

    // One llama_decode: the next token of every generating slot plus prompt text of prefilling slots.
    void decode_step() {
        batch_.n_tokens = 0;
        int generating = 0;
        for (auto& slot : slots_) {
            slot->batch_index = -1;
            if (!slot->busy() || slot->phase != Slot::Phase::kGenerate) continue;
            slot->batch_index = add_to_batch(slot->last_token, slot->n_past++, slot->seq, true);
            ++generating;
        }
        int prompt_tokens = 0;
        for (auto& slot : slots_) {
            if (!slot->busy() || slot->phase != Slot::Phase::kPrefill) continue;
            const mtmd_input_chunk* chunk = slot->current_chunk();
            if (!chunk || mtmd_input_chunk_get_type(chunk) != MTMD_INPUT_CHUNK_TYPE_TEXT) continue;
            std::size_t n = 0;
            const llama_token* tokens = mtmd_input_chunk_get_tokens_text(chunk, &n);
            while (slot->chunk_offset < n && batch_.n_tokens < static_cast<int32_t>(config_.batch_size)) {
                bool last = slot->is_last_chunk() && slot->chunk_offset + 1 == n;
                int index = add_to_batch(tokens[slot->chunk_offset++], slot->n_past++, slot->seq, last);
                ++prompt_tokens;
                if (last) slot->batch_index = index;
            }
            if (slot->chunk_offset == n) slot->next_chunk();
        }
        if (batch_.n_tokens == 0) return;
        auto start = Clock::now();
        if (int rc = llama_decode(runtime_.context(), batch_); rc != 0) {
            log_.error("", "llama_decode failed", nlohmann::json{{"rc", rc}, {"tokens", batch_.n_tokens}});
            for (auto& slot : slots_) {
                if (slot->busy() && (slot->batch_index >= 0 || slot->phase == Slot::Phase::kPrefill)) {
                    fail(*slot, InferenceError{"decode_failed", "the model failed to decode this batch", 500, 0});
                }
            }
            return;
        }
        double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        double share_prompt = batch_.n_tokens > 0 ? static_cast<double>(prompt_tokens) / batch_.n_tokens : 0;
        metrics_.prefill_tokens.Increment(prompt_tokens);
        metrics_.prefill_seconds.Increment(seconds * share_prompt);
        metrics_.decode_tokens.Increment(generating);
        metrics_.decode_seconds.Increment(seconds * (1 - share_prompt));
        if (generating > 0) recent_rate_ = 0.9 * recent_rate_ + 0.1 * (generating / std::max(seconds, 1e-6));
        metrics_.decode_tokens_per_second.Set(recent_rate_);

        for (auto& slot : slots_) {
            if (!slot->busy() || slot->batch_index < 0) continue;
            auto& timings = slot->task->result.timings;
            if (slot->phase == Slot::Phase::kPrefill) {
                // The prompt's last token was in this batch: the first generated token comes from its logits.
                timings.prefill_ms += seconds * 1000;
                slot->phase = Slot::Phase::kGenerate;
            } else {
                timings.decode_ms += seconds * 1000;
            }
            llama_token token = llama_sampler_sample(slot->sampler(), runtime_.context(), slot->batch_index);
            on_token(*slot, token);
        }
    }

    int add_to_batch(llama_token token, llama_pos pos, llama_seq_id seq, bool logits) {
        int i = batch_.n_tokens++;
        batch_.token[i] = token;
        batch_.pos[i] = pos;
        batch_.n_seq_id[i] = 1;
        batch_.seq_id[i][0] = seq;
        batch_.logits[i] = logits;
        return i;
    }

    void on_token(Slot& slot, llama_token token) {
        auto& result = slot.task->result;
        if (llama_vocab_is_eog(runtime_.vocab(), token)) return finish(slot, "stop");
        result.usage.completion_tokens++;
        char piece[256];
        int n = llama_token_to_piece(runtime_.vocab(), token, piece, sizeof piece, 0, false);
        std::string text = n > 0 ? slot.utf8.push(std::string_view(piece, static_cast<std::size_t>(n))) : std::string{};
        auto out = slot.stop.push(text);
        emit(slot, out.text);
        if (out.stopped) return finish(slot, "stop");
        if (result.usage.completion_tokens >= slot.task->request.sampling.max_tokens) return finish(slot, "length");
        if (slot.n_past + 1 >= runtime_.context_per_slot()) return finish(slot, "length");
        slot.last_token = token;
    }

    void emit(Slot& slot, const std::string& text) {
        if (text.empty()) return;
        slot.task->result.text += text;
        if (slot.task->callbacks.on_text) slot.task->callbacks.on_text(text);
    }

    void finish(Slot& slot, const std::string& reason) {
        // Flush held-back bytes: a partial character becomes U+FFFD; stop strings still apply.
        auto tail = slot.stop.push(slot.utf8.finish());
        emit(slot, tail.text);
        if (!tail.stopped) emit(slot, slot.stop.finish());
        auto& result = slot.task->result;
        result.finish_reason = reason;
        result.usage.prompt_tokens = slot.task->prompt.total_tokens();
        result.usage.image_tokens = slot.task->prompt.image_tokens;
        metrics_.completed.Increment();
        auto task = release(slot);
        task->callbacks.on_done(std::move(task->result));
    }

    // An engine failure: the slot's KV state is not trusted afterwards, nothing of it is kept.
    void fail(Slot& slot, InferenceError error) {
        metrics_.failed.Increment();
        auto task = release(slot, /*keep_prefix=*/false);
        task->callbacks.on_error(std::move(error));
    }

    void finish_with_error(Slot& slot, InferenceError error) {
        auto task = release(slot);
        task->callbacks.on_error(std::move(error));
    }

    std::shared_ptr<Task> release(Slot& slot, bool keep_prefix = true) {
        // A finished prompt's leading text stays in the KV cache for the next request with the same
        // prefix (system prompt, template header); everything after it is dropped now.
        std::size_t keep = keep_prefix ? slot.keepable_prefix() : 0;
        llama_memory_seq_rm(llama_get_memory(runtime_.context()), slot.seq, static_cast<llama_pos>(keep), -1);
        active_.fetch_sub(1);
        return slot.reset(keep);
    }

    void update_gauges() {
        metrics_.active_slots.Set(active_.load());
        double used = 0;
        for (auto& slot : slots_) used += slot->busy() ? slot->n_past : 0;
        metrics_.kv_used_tokens.Set(used);
        auto stats = cache_.stats();
        metrics_.image_cache_bytes.Set(static_cast<double>(stats.bytes));
        metrics_.image_cache_entries.Set(static_cast<double>(stats.entries));
    }

    const LlamaEngineConfig config_;
    Logger log_;
    EngineMetrics metrics_;
    LlamaRuntime runtime_;
    EmbeddingCache cache_;
    llama_batch batch_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::atomic<int> active_{0};
    double recent_rate_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Task>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

LlamaEngine::LlamaEngine(const LlamaEngineConfig& config, prometheus::Registry& registry, Logger log)
    : scheduler_(std::make_unique<Scheduler>(config, registry, std::move(log))) {}

LlamaEngine::~LlamaEngine() = default;

std::shared_ptr<InferenceHandle> LlamaEngine::submit(InferenceRequest request, InferenceCallbacks callbacks) {
    return scheduler_->submit(std::move(request), std::move(callbacks));
}
int LlamaEngine::image_tokens(int width, int height) const { return scheduler_->image_tokens(width, height); }
bool LlamaEngine::ready() const { return true; }  // constructed means loaded
bool LlamaEngine::saturated() const { return scheduler_->saturated(); }
std::string LlamaEngine::model_name() const { return scheduler_->model_name(); }
nlohmann::json LlamaEngine::info() const { return scheduler_->info(); }

}  // namespace vg::engine
