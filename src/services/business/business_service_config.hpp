#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/config_node.hpp"
#include "net/server_config.hpp"
#include "services/business/business_config.hpp"
#include "services/business/model_client.hpp"
#include "store/store_config.hpp"

namespace vg::services::business {

// `jobs.fetch:` — what URL items of a batch job may reach. No allowed hosts: URL items are refused.
struct JobsFetchConfig {
    std::vector<std::string> allowed_hosts;  // exact names or "*.example.com"
    bool allow_private_addresses = false;
    std::size_t max_bytes = std::size_t{20} * 1024 * 1024;
    std::chrono::milliseconds timeout{10'000};
};

// `jobs:` — batch jobs, run by this process's job runner.
struct JobsConfig {
    std::size_t concurrency = 2;                  // items processed at once
    std::chrono::milliseconds poll_interval{500};  // how often an idle runner looks for work
    std::size_t max_items = 1000;                 // per job; more gets 413
    int max_attempts = 3;                         // claims of one item before it fails
    // An item's lease is the model timeout plus this margin: a crashed runner's items are taken again
    // once it has passed, so it bounds how long a crash delays them.
    std::chrono::milliseconds lease_margin{30'000};
    JobsFetchConfig fetch;
};

// The `business:` section: where it listens, how it reaches the model pool, where results go and
// how the tasks are phrased.
struct BusinessServiceConfig {
    net::ServerConfig server;   // port 8082
    ModelClientConfig model;    // `model:` — the pool of model instances
    store::StoreConfig store;   // `store:` — sqlite://… (default) or postgresql://…
    BusinessTasksConfig tasks;  // `tasks:` — language, prompt overrides, review categories
    std::size_t worker_threads = 2;  // input decoding, result checks and storage, off the I/O threads
    std::size_t worker_queue = 1024;  // more waiting requests get 503
    JobsConfig jobs;
};

BusinessServiceConfig parse_business_service_config(ConfigNode node);

}  // namespace vg::services::business
