#include "services/model/model_config.hpp"

namespace vg::services {

ModelServiceConfig parse_model_config(ConfigNode node) {
    ModelServiceConfig config;
    net::ServerConfig defaults;
    defaults.port = 8081;
    defaults.max_body_bytes = ByteSize{64u * 1024 * 1024};  // base64 images of up to ~45 MB
    config.server = net::parse_server_config(node.child("server"), defaults);
    node.read("instance", config.instance);
    node.read_enum("engine", config.engine, {"llama", "remote"});
    config.llama = engine::parse_llama_engine_config(node.child("llama"));
    config.remote = engine::parse_remote_engine_config(node.child("remote"));
    config.image = image::parse_image_config(node.child("image"));
    auto limits = node.child("limits");
    int max_tokens = config.limits.max_tokens_limit;
    limits.read("max_tokens", max_tokens);
    if (max_tokens < 1) limits.fail("max_tokens", "must be at least 1");
    config.limits.max_tokens_limit = max_tokens;
    ByteSize question{config.limits.max_question_bytes};
    limits.read("max_question_bytes", question);
    config.limits.max_question_bytes = question.bytes;
    limits.read("max_images", config.limits.max_images);
    limits.finish();
    node.read("decode_threads", config.decode_threads);
    if (config.decode_threads == 0) node.fail("decode_threads", "must be at least 1");
    node.read("decode_queue", config.decode_queue);
    node.read("decoded_image_cache_bytes", config.decoded_image_cache_bytes);
    node.read("request_timeout", config.request_timeout);
    node.read("unready_when_saturated", config.unready_when_saturated);
    node.finish();
    return config;
}

}  // namespace vg::services
