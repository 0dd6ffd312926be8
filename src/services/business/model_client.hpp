#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "cluster/upstream_call.hpp"
#include "cluster/upstream_config.hpp"
#include "core/config_node.hpp"
#include "core/logging.hpp"

namespace boost::asio {
class io_context;
}

namespace vg::cluster {
class Clock;
class UpstreamMetrics;
class UpstreamPool;
}  // namespace vg::cluster

namespace vg::services::business {

// The business role's client of the model pool — the counterpart of the original Feign client, with
// its timeout (30 s) and connection cap (100) as defaults, plus load balancing with image-hash
// affinity, breakers, retries and a deadline from the cluster library.
struct ModelClientConfig {
    cluster::UpstreamConfig upstream;
    std::chrono::milliseconds timeout{30'000};
};

// `node` is the `business.model` section: `timeout` plus the upstream settings (instances or dns,
// load_balancing, health_check, circuit_breaker, retry, client, ...). Defaults: one instance on
// 127.0.0.1:8081, consistent hashing, at most 100 connections.
ModelClientConfig parse_model_client_config(ConfigNode node);

struct ModelQuery {
    std::string image_base64;
    std::string image_hash;  // content hash: the affinity key, so a repeated image meets its cached embedding
    std::string question;
    nlohmann::json json_schema;  // null: free text
    int max_tokens = 1024;
    std::string request_id;
    std::string traceparent;
};

struct ModelAnswer {
    std::string text;
    std::string model;
    std::string instance;
    nlohmann::json usage;
    nlohmann::json timings;
    int attempts = 1;
};

// Why no answer came: the model service's own error (its status and code, e.g. 400 image_invalid,
// passed on to our caller) or the pool's (503 no_healthy_upstream, 504 upstream_timeout, 502 ...).
struct ModelError {
    int status = 502;
    std::string code;
    std::string message;
};

using ModelOutcome = std::variant<ModelAnswer, ModelError>;

struct ModelClientDeps {
    boost::asio::io_context& io;
    const cluster::Clock& clock;
    Logger log;
    cluster::UpstreamMetrics& metrics;
    std::vector<boost::asio::io_context*> request_contexts = {};
};

// Thread-safe. on_done runs once, on an I/O thread.
class ModelClient {
public:
    ModelClient(const ModelClientConfig& config, ModelClientDeps deps);
    ~ModelClient();
    void start();
    void stop();

    std::shared_ptr<cluster::UpstreamCallHandle> infer(const ModelQuery& query,
                                                       std::function<void(ModelOutcome)> on_done);

private:
    ModelClientConfig config_;
    std::shared_ptr<cluster::UpstreamPool> pool_;
};

// The JSON body of POST /api/model/infer for `query`.
nlohmann::json infer_request_body(const ModelQuery& query);
// Turns the model service's HTTP answer into an outcome (exposed for tests).
ModelOutcome parse_infer_response(int status, const std::string& body);

}  // namespace vg::services::business
