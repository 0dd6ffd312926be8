#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/config_node.hpp"
#include "net/server_config.hpp"
#include "services/business/business_config.hpp"
#include "services/business/model_client.hpp"
#include "services/business/redis_job_queue.hpp"
#include "store/store_config.hpp"

namespace vg::services::business {

// `jobs.fetch:` — what URL items of a batch job may reach. No allowed hosts: URL items are refused.
struct JobsFetchConfig {
    std::vector<std::string> allowed_hosts;  // exact names or "*.example.com"
    bool allow_private_addresses = false;
    std::size_t max_bytes = std::size_t{20} * 1024 * 1024;
    std::chrono::milliseconds timeout{10'000};
};

// `jobs.queue:` — how job items reach the runners. none: every runner polls the job store; redis: a
// Redis stream hands them out (several replicas share the work without polling), and a slow sweep
// of the store still finds anything the queue lost.
struct JobsQueueConfig {
    std::string backend = "none";  // none | redis
    RedisJobQueueConfig redis;
    std::chrono::milliseconds sweep_interval{30'000};
};

// `jobs.webhook:` — the optional POST to a job's webhook_url once it finishes, signed with
// HMAC-SHA256 (see webhook_signature.hpp). No allowed hosts: jobs with a webhook are refused.
struct JobsWebhookConfig {
    std::vector<std::string> allowed_hosts;  // exact names or "*.example.com"
    bool allow_private_addresses = false;
    std::string secret;  // at least 16 bytes when webhooks are on
    std::chrono::milliseconds timeout{10'000};
    int max_attempts = 6;
    std::chrono::milliseconds retry_initial{1'000};  // doubled after each failure
    std::chrono::milliseconds retry_max{300'000};
};

// `jobs:` — batch jobs, run by this process's job runner.
struct JobsConfig {
    std::size_t concurrency = 2;                  // items processed at once
    std::chrono::milliseconds poll_interval{500};  // how often an idle runner looks for work
    std::size_t max_items = 1000;                 // per job; more gets 413
    int max_attempts = 3;                         // claims of one item before it fails
    // How long an item stays leased to a runner without a renewal; renewed every third of it while the
    // item is worked on, so it bounds how long a crashed runner delays its items, whatever the model
    // timeout.
    std::chrono::milliseconds lease{30'000};
    JobsFetchConfig fetch;
    JobsQueueConfig queue;
    JobsWebhookConfig webhook;
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
