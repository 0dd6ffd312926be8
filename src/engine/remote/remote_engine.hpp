#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/logging.hpp"
#include "engine/engine.hpp"
#include "engine/remote/remote_engine_config.hpp"

namespace vg::net {
class HttpClient;
}

namespace vg::engine {

struct RemoteEngineState;

// The Engine interface over an OpenAI-compatible upstream (llama-server, vLLM, Ollama): each request becomes a
// streaming POST {url}/v1/chat/completions with its images inlined as PNG data URIs, and the event stream
// becomes on_text calls. Owns its I/O threads and a pooled HTTP client: max_connections calls upstream at once,
// max_queue more waiting for one, the rest refused with 503 (the upstream does its own queueing behind that).
// Thread-safe. submit() encodes the images (a few ms per megapixel): call it from a worker, not an I/O thread.
// Callbacks run on the engine's I/O threads. Destruction ends requests still in flight with
// "upstream_unavailable" and waits for their callbacks.
class RemoteEngine final : public Engine {
public:
    // Throws std::invalid_argument when config.url is not a usable http(s) URL.
    RemoteEngine(const RemoteEngineConfig& config, Logger log);
    ~RemoteEngine() override;
    RemoteEngine(const RemoteEngine&) = delete;
    RemoteEngine& operator=(const RemoteEngine&) = delete;

    std::shared_ptr<InferenceHandle> submit(InferenceRequest request, InferenceCallbacks callbacks) override;
    // ceil(w/32) * ceil(h/32) * image_tokens_per_32px, at least 8: Qwen-VL's patch merging, as an estimate.
    int image_tokens(int width, int height) const override;
    // No probe: an upstream that is down fails each request with a 503 instead.
    bool ready() const override { return true; }
    // Every connection busy and max_queue calls waiting for one.
    bool saturated() const override;
    std::string model_name() const override;
    nlohmann::json info() const override;

private:
    struct Io;

    const RemoteEngineConfig config_;
    const Logger log_;
    const std::string chat_url_;
    const std::shared_ptr<RemoteEngineState> state_;
    std::unique_ptr<Io> io_;  // before client_: the client needs the io_context alive
    std::unique_ptr<net::HttpClient> client_;
};

}  // namespace vg::engine
