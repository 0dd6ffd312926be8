#pragma once

#include <chrono>
#include <string>

#include "core/config_node.hpp"
#include "engine/llama/llama_engine_config.hpp"
#include "engine/remote/remote_engine_config.hpp"
#include "image/image_config.hpp"
#include "net/server_config.hpp"
#include "services/model/model_request.hpp"

namespace vg::services {

// The `model:` section: which engine, its settings, image limits and request bounds.
struct ModelServiceConfig {
    net::ServerConfig server;
    std::string instance;          // reported in every answer; defaults to host:port
    std::string engine = "llama";  // llama (in-process) or remote (an OpenAI-compatible server)
    engine::LlamaEngineConfig llama;
    engine::RemoteEngineConfig remote;
    image::ImageConfig image;
    RequestLimits limits;
    std::size_t decode_threads = 2;   // image decoding off the I/O threads
    std::size_t decode_queue = 256;   // images waiting to be decoded; more get 503
    ByteSize decoded_image_cache_bytes{256u * 1024 * 1024};  // re-sent files skip decoding (0: off)
    std::chrono::milliseconds request_timeout{120'000};
    bool unready_when_saturated = false;  // /ready answers 503 while the queue is full (load balancers steer away)
};

ModelServiceConfig parse_model_config(ConfigNode node);

}  // namespace vg::services
