#include "engine/llama/llama_runtime.hpp"

#include <ggml-backend.h>

#include <random>
#include <stdexcept>
#include <thread>

#include "core/error.hpp"

namespace vg::engine {
namespace {

// llama.cpp and mtmd log through one global callback: route it into our logger (debug; errors as warn).
void route_llama_logs(Logger* log) {
    auto callback = [](ggml_log_level level, const char* text, void* user) {
        auto* logger = static_cast<Logger*>(user);
        std::string line(text);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        if (line.empty()) return;
        logger->log(level >= GGML_LOG_LEVEL_WARN ? LogLevel::kWarn : LogLevel::kDebug, "", line);
    };
    llama_log_set(callback, log);
    mtmd_helper_log_set(callback, log);
}

int thread_count(int configured) {
    if (configured > 0) return configured;
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

llama_flash_attn_type flash_attention_type(const std::string& name) {
    if (name == "on") return LLAMA_FLASH_ATTN_TYPE_ENABLED;
    if (name == "off") return LLAMA_FLASH_ATTN_TYPE_DISABLED;
    return LLAMA_FLASH_ATTN_TYPE_AUTO;
}

}  // namespace

LlamaRuntime::LlamaRuntime(const LlamaEngineConfig& config, Logger log) : log_(std::move(log)) {
    static Logger* global_log = nullptr;  // llama.cpp's log hook is process-wide
    if (!global_log) {
        global_log = new Logger(log_);
        route_llama_logs(global_log);
        // Distribution builds (libllama in Debian/Ubuntu) load their backends as plugins at run time;
        // a build with the backends linked in has them registered already.
        if (ggml_backend_reg_count() == 0) ggml_backend_load_all();
        llama_backend_init();
    }

    auto model_params = llama_model_default_params();
    model_params.n_gpu_layers = config.gpu_layers;
    model_params.main_gpu = config.main_gpu;
    model_.reset(llama_model_load_from_file(config.model_path.c_str(), model_params));
    if (!model_) throw std::runtime_error("cannot load model " + config.model_path);

    auto context_params = llama_context_default_params();
    context_params.n_seq_max = static_cast<uint32_t>(config.slots);
    context_params.n_ctx = static_cast<uint32_t>(config.slots * config.context_per_slot);
    context_params.n_batch = static_cast<uint32_t>(config.batch_size);
    context_params.n_ubatch = static_cast<uint32_t>(config.batch_size);
    context_params.n_threads = thread_count(config.threads);
    context_params.n_threads_batch = thread_count(config.threads);
    context_params.flash_attn_type = flash_attention_type(config.flash_attention);
    context_params.kv_unified = false;  // each slot its own KV stream: slots do not share prefixes
    context_params.no_perf = true;
    context_.reset(llama_init_from_model(model_.get(), context_params));
    if (!context_) throw std::runtime_error("cannot create a llama context for " + config.model_path);

    auto vision_params = mtmd_context_params_default();
    vision_params.use_gpu = config.gpu_layers != 0;
    vision_params.n_threads = thread_count(config.threads);
    vision_params.print_timings = false;
    vision_params.warmup = config.warmup;
    vision_params.image_max_tokens = config.image_max_tokens;
    vision_.reset(mtmd_init_from_file(config.mmproj_path.c_str(), model_.get(), vision_params));
    if (!vision_) throw std::runtime_error("cannot load vision projector " + config.mmproj_path);
    if (!mtmd_support_vision(vision_.get())) throw std::runtime_error(config.mmproj_path + " has no vision encoder");

    const char* tmpl = llama_model_chat_template(model_.get(), nullptr);
    chat_template_ = tmpl ? tmpl : "chatml";
    char desc[256];
    llama_model_desc(model_.get(), desc, sizeof desc);
    description_ = desc;
}

std::string LlamaRuntime::apply_template(const std::vector<ChatMessage>& messages) const {
    std::vector<llama_chat_message> chat;
    for (const auto& m : messages) chat.push_back({m.role.c_str(), m.text.c_str()});
    std::vector<char> buffer(1024);
    for (const auto& m : messages) buffer.resize(buffer.size() + 2 * m.text.size());
    int n = llama_chat_apply_template(chat_template_.c_str(), chat.data(), chat.size(), true, buffer.data(), static_cast<int32_t>(buffer.size()));
    if (n > static_cast<int>(buffer.size())) {
        buffer.resize(static_cast<std::size_t>(n));
        n = llama_chat_apply_template(chat_template_.c_str(), chat.data(), chat.size(), true, buffer.data(), static_cast<int32_t>(buffer.size()));
    }
    if (n < 0) throw Error("chat_template_failed", "the model's chat template could not be applied", 500);
    return std::string(buffer.data(), static_cast<std::size_t>(n));
}

Prompt LlamaRuntime::tokenize(const std::vector<ChatMessage>& messages, const std::vector<std::shared_ptr<const ModelImage>>& images,
                              const std::set<std::string>& skip_pixels) const {
    std::string text = apply_template(messages);
    std::vector<mtmd::bitmap> bitmaps;
    for (const auto& image : images) {
        const unsigned char* pixels = skip_pixels.contains(image->hash) ? nullptr : image->rgb.data();
        mtmd::bitmap bitmap(static_cast<uint32_t>(image->width), static_cast<uint32_t>(image->height), pixels);
        bitmap.set_id(image->hash.c_str());
        bitmaps.push_back(std::move(bitmap));
    }
    std::vector<const mtmd_bitmap*> pointers;
    for (auto& b : bitmaps) pointers.push_back(b.ptr.get());
    mtmd_input_text input{text.c_str(), /*add_special=*/true, /*parse_special=*/true};
    Prompt prompt;
    prompt.chunks.reset(mtmd_input_chunks_init());
    int32_t rc = mtmd_tokenize(vision_.get(), prompt.chunks.get(), &input, pointers.data(), pointers.size());
    if (rc == 1) throw ClientError("image_marker_mismatch", "the number of images does not match the image markers in the prompt");
    if (rc != 0) throw ClientError("image_preprocessing_failed", "the vision encoder could not preprocess the image");
    for (std::size_t i = 0; i < mtmd_input_chunks_size(prompt.chunks.get()); ++i) {
        const auto* chunk = mtmd_input_chunks_get(prompt.chunks.get(), i);
        int n = static_cast<int>(mtmd_input_chunk_get_n_tokens(chunk));
        (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_TEXT ? prompt.text_tokens : prompt.image_tokens) += n;
    }
    return prompt;
}

int LlamaRuntime::image_tokens(int width, int height) const {
    // A placeholder bitmap (no pixels) goes through mtmd's own size rules without any encoding.
    mtmd::bitmap placeholder(static_cast<uint32_t>(width), static_cast<uint32_t>(height), nullptr);
    const mtmd_bitmap* pointer = placeholder.ptr.get();
    std::string marker = mtmd_default_marker();
    mtmd_input_text input{marker.c_str(), false, true};
    mtmd::input_chunks_ptr chunks(mtmd_input_chunks_init());
    if (mtmd_tokenize(vision_.get(), chunks.get(), &input, &pointer, 1) != 0) return -1;
    int tokens = 0;
    for (std::size_t i = 0; i < mtmd_input_chunks_size(chunks.get()); ++i) {
        const auto* chunk = mtmd_input_chunks_get(chunks.get(), i);
        if (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_IMAGE) tokens += static_cast<int>(mtmd_input_chunk_get_n_tokens(chunk));
    }
    return tokens;
}

SamplerPtr make_sampler(const llama_vocab* vocab, const SamplingParams& sampling) {
    auto params = llama_sampler_chain_default_params();
    params.no_perf = true;
    SamplerPtr chain(llama_sampler_chain_init(params));
    if (!sampling.grammar.empty()) {
        llama_sampler* grammar = llama_sampler_init_grammar(vocab, sampling.grammar.c_str(), "root");
        if (!grammar) throw ClientError("invalid_grammar", "the output grammar could not be parsed");
        llama_sampler_chain_add(chain.get(), grammar);
    }
    if (sampling.temperature <= 0) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
        return chain;
    }
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(sampling.top_k));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(static_cast<float>(sampling.top_p), 1));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(static_cast<float>(sampling.temperature)));
    uint32_t seed = sampling.seed ? *sampling.seed : static_cast<uint32_t>(std::random_device{}());
    llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(seed));
    return chain;
}

}  // namespace vg::engine
