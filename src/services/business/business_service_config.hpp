#pragma once

#include <cstddef>

#include "core/config_node.hpp"
#include "net/server_config.hpp"
#include "services/business/business_config.hpp"
#include "services/business/model_client.hpp"
#include "store/store_config.hpp"

namespace vg::services::business {

// The `business:` section: where it listens, how it reaches the model pool, where results go and
// how the tasks are phrased.
struct BusinessServiceConfig {
    net::ServerConfig server;   // port 8082
    ModelClientConfig model;    // `model:` — the pool of model instances
    store::StoreConfig store;   // `store:` — sqlite://… (default) or postgresql://…
    BusinessTasksConfig tasks;  // `tasks:` — language, prompt overrides, review categories
    std::size_t worker_threads = 2;  // input decoding, result checks and storage, off the I/O threads
    std::size_t worker_queue = 1024;  // more waiting requests get 503
};

BusinessServiceConfig parse_business_service_config(ConfigNode node);

}  // namespace vg::services::business
