#include "services/business/model_client.hpp"

#include <memory>

#include "cluster/upstream_pool.hpp"

namespace vg::services::business {

namespace {

constexpr const char* kDefaultUpstream = R"(
instances: ["127.0.0.1:8081"]
load_balancing: consistent_hash
client: {max_connections: 100}
)";

// Accumulates one streamed answer; the model service answers with a length, so this stays small.
struct Collected {
    int status = 0;
    std::string body;
};

}  // namespace

ModelClientConfig parse_model_client_config(ConfigNode node) {
    ModelClientConfig config;
    node.read("timeout", config.timeout);
    if (config.timeout.count() <= 0) node.fail("timeout", "must be positive");
    // Everything else is an upstream section; defaults fill what the file leaves out.
    YAML::Node upstream = YAML::Load(kDefaultUpstream);
    for (const auto& key : node.keys()) {
        if (key == "timeout") continue;
        upstream[key] = node.raw(key);
    }
    if (upstream["dns"]) upstream.remove("instances");
    config.upstream =
        cluster::parse_upstream_config("model", ConfigNode(upstream, YAML::Node(YAML::NodeType::Map), node.path()));
    node.finish();
    return config;
}

nlohmann::json infer_request_body(const ModelQuery& query) {
    nlohmann::json body = {
        {"image", query.image_base64}, {"question", query.question}, {"max_tokens", query.max_tokens}};
    if (!query.json_schema.is_null()) body["json_schema"] = query.json_schema;
    return body;
}

ModelOutcome parse_infer_response(int status, const std::string& body) {
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
    if (status != 200) {
        ModelError error{status, "model_error", "the model service answered " + std::to_string(status)};
        if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
            error.code = parsed["error"].value("code", error.code);
            error.message = parsed["error"].value("message", error.message);
        }
        // Our caller's request was fine if the model pool is the one failing.
        if (status >= 500) error.status = status == 503 || status == 504 ? status : 502;
        return error;
    }
    if (!parsed.is_object() || !parsed.contains("result") || !parsed["result"].is_string()) {
        return ModelError{502, "model_bad_response", "the model service's answer has no text result"};
    }
    ModelAnswer answer;
    answer.text = parsed["result"].get<std::string>();
    answer.model = parsed.value("model", "");
    answer.instance = parsed.value("instance", "");
    answer.usage = parsed.value("usage", nlohmann::json::object());
    answer.timings = parsed.value("timings", nlohmann::json::object());
    return answer;
}

ModelClient::ModelClient(const ModelClientConfig& config, ModelClientDeps deps)
    : config_(config),
      pool_(std::make_shared<cluster::UpstreamPool>(
          config.upstream, cluster::UpstreamDeps{deps.io, deps.clock, deps.log, deps.metrics, deps.request_contexts})) {
}

ModelClient::~ModelClient() {
    stop();
}

void ModelClient::start() {
    pool_->start();
}
void ModelClient::stop() {
    pool_->stop();
}

std::shared_ptr<cluster::UpstreamCallHandle> ModelClient::infer(const ModelQuery& query,
                                                                std::function<void(ModelOutcome)> on_done) {
    cluster::UpstreamRequest request;
    request.method = "POST";
    request.target = "/api/model/infer";
    request.headers.set("Content-Type", "application/json");
    if (!query.request_id.empty()) request.headers.set("X-Request-Id", query.request_id);
    if (!query.traceparent.empty()) request.headers.set("traceparent", query.traceparent);
    request.body = infer_request_body(query).dump();
    request.affinity_key = query.image_hash;
    request.deadline = std::chrono::steady_clock::now() + config_.timeout;
    request.retry = config_.upstream.retry;
    request.retry.idempotent = true;  // inference has no side effects
    auto collected = std::make_shared<Collected>();
    request.on_head = [collected](const net::ClientResponse& head) { collected->status = head.status; };
    request.on_chunk = [collected](std::string_view chunk) { collected->body.append(chunk); };
    return cluster::send_upstream(
        pool_, std::move(request), [collected, on_done = std::move(on_done)](cluster::UpstreamResult result) {
            if (!result.error.empty()) {
                const int status = result.error == "no_healthy_upstream" ? 503
                                   : result.error == "upstream_timeout"  ? 504
                                                                         : 502;
                return on_done(ModelError{
                    status, "model_" + result.error,
                    "the model pool failed: " + result.error +
                        (result.result.error_message.empty() ? "" : " (" + result.result.error_message + ")")});
            }
            ModelOutcome outcome = parse_infer_response(collected->status, collected->body);
            if (auto* answer = std::get_if<ModelAnswer>(&outcome)) answer->attempts = result.attempts;
            on_done(std::move(outcome));
        });
}

}  // namespace vg::services::business
