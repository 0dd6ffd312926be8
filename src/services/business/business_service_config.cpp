#include "services/business/business_service_config.hpp"

namespace vg::services::business {

namespace {

JobsConfig parse_jobs_config(ConfigNode node) {
    JobsConfig config;
    node.read("concurrency", config.concurrency);
    if (config.concurrency == 0) node.fail("concurrency", "must be at least 1");
    node.read("lease_margin", config.lease_margin);
    if (config.lease_margin.count() < 0) node.fail("lease_margin", "must not be negative");
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
