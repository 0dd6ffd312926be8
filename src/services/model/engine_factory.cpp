#include <stdexcept>

#include "engine/engine.hpp"
#include "services/model/model_service.hpp"
#if VG_HAVE_LLAMA
#include "engine/llama/llama_engine.hpp"
#endif
#include "engine/remote/remote_engine.hpp"

namespace vg::services {

std::unique_ptr<engine::Engine> make_engine(const ModelServiceConfig& config, [[maybe_unused]] prometheus::Registry& registry,
                                            const LogSystem& logs) {
    if (config.engine == "remote") {
        if (config.remote.url.empty()) throw std::runtime_error("model.remote.url is not set");
        return std::make_unique<engine::RemoteEngine>(config.remote, logs.get("engine"));
    }
#if VG_HAVE_LLAMA
    if (config.llama.model_path.empty() || config.llama.mmproj_path.empty()) {
        throw std::runtime_error("no model files: run visiongrid model --model MODEL.gguf --mmproj MMPROJ.gguf "
                                 "(or set model.llama.model_path and model.llama.mmproj_path)");
    }
    return std::make_unique<engine::LlamaEngine>(config.llama, registry, logs.get("engine"));
#else
    (void)logs;
    throw std::runtime_error("this build has no llama.cpp: install it (see scripts/check-llama) and rebuild, or set model.engine=remote");
#endif
}

}  // namespace vg::services
