#pragma once

#include <memory>

#include "core/logging.hpp"
#include "services/model/model_config.hpp"

namespace prometheus {
class Registry;
}
namespace vg::obs {
class Readiness;
}
namespace vg::engine {
class Engine;
}

namespace vg::services {

struct ModelDeps {
    prometheus::Registry& registry;
    obs::Readiness& readiness;
    const LogSystem& logs;
};

// `visiongrid model`: the model behind HTTP. /api/model/infer, /v1/chat/completions (streaming),
// /v1/models, /api/model/info. The HTTP server comes up at once and reports not-ready until the
// engine has loaded; images are decoded on a worker pool, never on I/O threads.
class ModelService {
public:
    ModelService(const ModelServiceConfig& config, ModelDeps deps);
    ~ModelService();
    void start();
    void stop();
    unsigned short port() const;
    // Blocks until the engine has loaded or failed; false on failure. For tools and tests.
    bool wait_until_loaded();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// The engine the config names. Throws std::runtime_error when it cannot be made.
std::unique_ptr<engine::Engine> make_engine(const ModelServiceConfig& config, prometheus::Registry& registry, const LogSystem& logs);

}  // namespace vg::services
