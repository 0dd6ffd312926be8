#include "services/business/business_service_config.hpp"

namespace vg::services::business {

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
    node.finish();
    return config;
}

}  // namespace vg::services::business
