#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/inference.hpp"

namespace vg::engine {

// What a model backend offers: the in-process llama.cpp engine, or a remote OpenAI-compatible one.
// Thread-safe: submit() is called from HTTP threads; callbacks come from the engine's own threads.
class Engine {
public:
    virtual ~Engine() = default;

    // Validates and queues the request. Admission failures (context too small, queue full) are
    // reported through callbacks.on_error, possibly before submit() returns.
    virtual std::shared_ptr<InferenceHandle> submit(InferenceRequest request, InferenceCallbacks callbacks) = 0;

    // How many tokens an image of this size costs (admission control and usage estimates).
    virtual int image_tokens(int width, int height) const = 0;

    virtual bool ready() const = 0;
    // True while new requests would be refused for lack of room (queue full).
    virtual bool saturated() const { return false; }
    virtual std::string model_name() const = 0;
    // Model, context, slots, queue and cache figures for GET /api/model/info.
    virtual nlohmann::json info() const = 0;
};

}  // namespace vg::engine
