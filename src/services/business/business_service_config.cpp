#include "services/business/business_service_config.hpp"

namespace vg::services::business {

namespace {

JobsQueueConfig parse_queue_config(ConfigNode node) {
    JobsQueueConfig config;
    config.redis.redis.timeout = std::chrono::milliseconds{2000};
    node.read_enum("backend", config.backend, {"none", "redis"});
    config.redis.redis = cluster::read_redis_config(node.child("redis"), config.redis.redis, config.backend == "redis");
    node.read("stream", config.redis.stream);
    if (config.redis.stream.empty()) node.fail("stream", "must not be empty");
    node.read("group", config.redis.group);
    if (config.redis.group.empty()) node.fail("group", "must not be empty");
    node.read("max_length", config.redis.max_length);
    if (config.redis.max_length == 0) node.fail("max_length", "must be at least 1");
    node.read("sweep_interval", config.sweep_interval);
    if (config.sweep_interval.count() <= 0) node.fail("sweep_interval", "must be positive");
    node.finish();
    return config;
}

JobsWebhookConfig parse_webhook_config(ConfigNode node) {
    JobsWebhookConfig config;
    node.read("allowed_hosts", config.allowed_hosts);
    node.read("allow_private_addresses", config.allow_private_addresses);
    node.read("secret", config.secret);
    if (!config.allowed_hosts.empty() && config.secret.size() < 16) {
        node.fail("secret", "must be at least 16 bytes when webhooks are allowed (receivers check the signature with it)");
    }
    node.read("timeout", config.timeout);
    if (config.timeout.count() <= 0) node.fail("timeout", "must be positive");
    node.read("max_attempts", config.max_attempts);
    if (config.max_attempts < 1) node.fail("max_attempts", "must be at least 1");
    node.read("retry_initial", config.retry_initial);
    if (config.retry_initial.count() <= 0) node.fail("retry_initial", "must be positive");
    node.read("retry_max", config.retry_max);
    if (config.retry_max < config.retry_initial) node.fail("retry_max", "must not be less than retry_initial");
    node.finish();
    return config;
}

JobsConfig parse_jobs_config(ConfigNode node) {
    JobsConfig config;
    node.read("concurrency", config.concurrency);
    if (config.concurrency == 0) node.fail("concurrency", "must be at least 1");
    node.read("lease", config.lease);
    if (config.lease < std::chrono::milliseconds{100}) node.fail("lease", "must be at least 100ms");
    node.read("poll_interval", config.poll_interval);
    if (config.poll_interval.count() <= 0) node.fail("poll_interval", "must be positive");
    node.read("max_items", config.max_items);
    if (config.max_items == 0) node.fail("max_items", "must be at least 1");
    node.read("max_attempts", config.max_attempts);
    if (config.max_attempts < 1) node.fail("max_attempts", "must be at least 1");
    ConfigNode fetch = node.child("fetch");
    fetch.read("allowed_hosts", config.fetch.allowed_hosts);
    fetch.read("allow_private_addresses", config.fetch.allow_private_addresses);
    ByteSize max_bytes{config.fetch.max_bytes};
    fetch.read("max_bytes", max_bytes);
    if (max_bytes.bytes == 0) fetch.fail("max_bytes", "must be positive");
    config.fetch.max_bytes = max_bytes.bytes;
    fetch.read("timeout", config.fetch.timeout);
    if (config.fetch.timeout.count() <= 0) fetch.fail("timeout", "must be positive");
    fetch.finish();
    config.queue = parse_queue_config(node.child("queue"));
    config.webhook = parse_webhook_config(node.child("webhook"));
    node.finish();
    return config;
}

}  // namespace

BusinessServiceConfig parse_business_service_config(ConfigNode node) {
    BusinessServiceConfig config;
    net::ServerConfig defaults;
    defaults.port = 8082;
    defaults.max_body_bytes = ByteSize{64u * 1024 * 1024};  // base64 images of up to ~45 MB
    config.server = net::parse_server_config(node.child("server"), defaults);
    config.model = parse_model_client_config(node.child("model"));
    config.store = store::parse_store_config(node.child("store"));
    config.tasks = parse_business_tasks_config(node.child("tasks"));
    node.read("worker_threads", config.worker_threads);
    if (config.worker_threads == 0) node.fail("worker_threads", "must be at least 1");
    node.read("worker_queue", config.worker_queue);
    if (config.worker_queue == 0) node.fail("worker_queue", "must be at least 1");
    config.jobs = parse_jobs_config(node.child("jobs"));
    node.finish();
    return config;
}

}  // namespace vg::services::business
