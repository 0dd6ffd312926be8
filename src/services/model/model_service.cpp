#include "services/model/model_service.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <thread>

#include "core/error.hpp"
#include "core/lru_cache.hpp"
#include "core/worker_pool.hpp"
#include "engine/engine.hpp"
#include "image/image_decoder.hpp"
#include "image/pixel_hash.hpp"
#include "net/http_server.hpp"
#include "net/observability_routes.hpp"
#include "obs/health.hpp"
#include "services/model/openai_format.hpp"

namespace vg::services {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

enum class Shape { kInfer, kChat };

constexpr const char* kTimeoutHeader = "X-VisionGrid-Timeout-Ms";

}  // namespace

class ModelService::Impl {
public:
    Impl(const ModelServiceConfig& config, ModelDeps deps)
        : config_(config),
          deps_(deps),
          log_(deps.logs.get("model")),
          decode_pool_(config.decode_threads, config.decode_queue),
          decoded_images_(config.decoded_image_cache_bytes.bytes),
          decoded_hits_(prometheus::BuildCounter()
                            .Name("visiongrid_model_decoded_image_cache_hits_total")
                            .Help("Images whose encoded file was seen before, so decoding was skipped")
                            .Register(deps.registry)
                            .Add({})) {}

    ~Impl() { stop(); }

    void start() {
        deps_.readiness.set("engine", false, "loading model");
        if (config_.unready_when_saturated) {
            deps_.readiness.add_check("capacity", [this]() -> std::optional<std::string> {
                if (engine_ready_.load() && engine_->saturated()) return "every slot busy and the queue full";
                return std::nullopt;
            });
        }
        net::Router router;
        net::add_observability_routes(router, deps_.registry, deps_.readiness, "model");
        net::RouteOptions infer_options;
        infer_options.content_types = {"application/json", "multipart/form-data"};
        router.add("POST", "/api/model/infer", [this](net::Request& r, std::shared_ptr<net::Exchange> e) {
            handle(r, std::move(e), Shape::kInfer);
        }, infer_options);
        net::RouteOptions chat_options;
        chat_options.content_types = {"application/json"};
        router.add("POST", "/v1/chat/completions", [this](net::Request& r, std::shared_ptr<net::Exchange> e) {
            handle(r, std::move(e), Shape::kChat);
        }, chat_options);
        router.get("/v1/models", [this](net::Request&) {
            return net::Response::json(200, {{"object", "list"},
                                             {"data", json::array({{{"id", model_name()}, {"object", "model"}, {"owned_by", "visiongrid"}}})}});
        });
        router.get("/api/model/info", [this](net::Request&) {
            json info = {{"instance", instance_}, {"engine", config_.engine}, {"ready", engine_ready_.load()}};
            if (engine_ready_.load()) info.update(engine_->info());
            if (!load_error_.empty()) info["load_error"] = load_error_;
            info["image"] = {{"max_side", config_.image.max_side}, {"max_megapixels", config_.image.max_megapixels},
                             {"max_bytes", config_.image.max_bytes}};
            return net::Response::json(200, info);
        });
        server_ = std::make_unique<net::HttpServer>("model", config_.server, std::move(router),
                                                    net::HttpServerDeps{deps_.registry, deps_.readiness, deps_.logs.get("http"),
                                                                        deps_.logs.get("access")});
        server_->start();
        instance_ = config_.instance.empty() ? "model:" + std::to_string(server_->port()) : config_.instance;
        loader_ = std::thread([this] { load_engine(); });
    }

    void stop() {
        if (server_) server_->stop();  // drains in-flight requests while the engine still runs
        if (loader_.joinable()) loader_.join();
        engine_.reset();
        server_.reset();
    }

    unsigned short port() const { return server_ ? server_->port() : 0; }

    bool wait_until_loaded() {
        std::unique_lock lock(load_mutex_);
        load_done_.wait(lock, [this] { return load_finished_; });
        return engine_ready_.load();
    }

private:
    void load_engine() {
        auto start = Clock::now();
        try {
            engine_ = make_engine(config_, deps_.registry, deps_.logs);
            engine_ready_.store(true);
            deps_.readiness.set("engine", true);
            log_.info("", "engine ready", json{{"engine", config_.engine}, {"model", engine_->model_name()}, {"load_ms", ms_since(start)}});
        } catch (const std::exception& e) {
            load_error_ = e.what();
            deps_.readiness.set("engine", false, std::string("failed to load: ") + e.what());
            log_.error("", "engine failed to load", json{{"error", e.what()}});
        }
        std::lock_guard lock(load_mutex_);
        load_finished_ = true;
        load_done_.notify_all();
    }

    std::string model_name() const { return engine_ready_.load() ? engine_->model_name() : "loading"; }

    static void answer_error(const std::shared_ptr<net::Exchange>& exchange, const std::string& request_id, const engine::InferenceError& e) {
        // The engine's queue, or the remote upstream behind it, is full: a refusal of work not begun.
        if (e.code == "queue_full" || e.code == "upstream_busy") {
            return exchange->respond(net::Response::overloaded(e.code, e.message, request_id, e.retry_after_seconds));
        }
        exchange->respond(net::Response::error(e.http_status, e.code, e.message, request_id, e.retry_after_seconds));
    }

    void handle(net::Request& http, std::shared_ptr<net::Exchange> exchange, Shape shape) {
        if (!engine_ready_.load()) {
            throw Error(load_error_.empty() ? "model_loading" : "model_unavailable",
                        load_error_.empty() ? "the model is still loading; retry shortly" : "the model failed to load: " + load_error_, 503);
        }
        // Refused before the body is parsed or an image decoded: under overload, a refusal must cost nothing.
        if (engine_->saturated()) {
            return exchange->respond(net::Response::overloaded(
                "queue_full", "every slot is busy and the queue is full; retry shortly", http.request_id));
        }
        auto received = Clock::now();
        request_deadline(http, received);  // validate the header before any work
        // Parse on the I/O thread (cheap and bounded by the body limit); decode on the pool.
        ModelRequest request = shape == Shape::kChat ? parse_chat_completion(http.body, config_.limits)
                               : http.content_type() == "multipart/form-data" ? parse_infer_multipart(http, config_.limits)
                                                                              : parse_infer_json(http.body, config_.limits);
        if (request.encoded_images.empty() && shape == Shape::kInfer) throw ClientError("missing_field", "an image is required");
        std::string request_id = http.request_id;
        auto deadline = request_deadline(http, received);
        auto job = [this, request = std::move(request), exchange, request_id, shape, received, deadline]() mutable {
            run(std::move(request), exchange, request_id, shape, received, deadline);
        };
        if (!decode_pool_.post(std::move(job))) {
            exchange->respond(net::Response::overloaded(
                "overloaded", "too many images are waiting to be decoded; retry shortly", request_id));
        }
    }

    // The caller's remaining budget (X-VisionGrid-Timeout-Ms, set by the gateway and clients that
    // give up) caps our own request_timeout, so no slot works for an answer nobody waits for.
    Clock::time_point request_deadline(const net::Request& http, Clock::time_point received) const {
        auto own = received + config_.request_timeout;
        auto header = http.headers.get(kTimeoutHeader);
        if (!header) return own;
        long long ms = -1;
        auto [end, ec] = std::from_chars(header->data(), header->data() + header->size(), ms);
        if (ec != std::errc{} || end != header->data() + header->size() || ms <= 0) {
            throw ClientError("invalid_header", std::string(kTimeoutHeader) + " must be a positive number of milliseconds");
        }
        return std::min(own, received + std::chrono::milliseconds(ms));
    }

    // On a decode-pool thread: images → pixels → engine. Answers through the exchange.
    void run(ModelRequest request, std::shared_ptr<net::Exchange> exchange, const std::string& request_id, Shape shape, Clock::time_point received,
             Clock::time_point deadline) {
        if (exchange->cancelled()) return;
        engine::InferenceRequest inference;
        auto decode_start = Clock::now();
        try {
            for (const auto& bytes : request.encoded_images) inference.images.push_back(model_image(bytes));
        } catch (const Error& e) {
            return exchange->respond(net::Response::error(e.http_status(), e.code(), e.what(), request_id));
        }
        double image_decode_ms = ms_since(decode_start);
        inference.messages = std::move(request.messages);
        inference.sampling = std::move(request.sampling);
        inference.deadline = deadline;
        inference.request_id = request_id;

        CompletionIdentity who{"chatcmpl-" + request_id,
                                       std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
                                       request.model.empty() ? model_name() : request.model};
        engine::InferenceCallbacks callbacks;
        if (shape == Shape::kChat && request.stream) {
            // The stream opens with the first event, so admission errors still get a proper status.
            auto stream = std::make_shared<std::shared_ptr<net::ResponseStream>>();
            auto open = [exchange, stream, who]() {
                if (*stream) return;
                net::Headers headers;
                headers.set("Content-Type", "text/event-stream; charset=utf-8");  // explicit, for clients that guess
                headers.set("Cache-Control", "no-cache");
                headers.set("X-Accel-Buffering", "no");
                *stream = exchange->stream(200, std::move(headers));
                (*stream)->write(chat_chunk_event(who, {{"role", "assistant"}, {"content", ""}}));
            };
            callbacks.on_text = [open, stream, who](const std::string& text) {
                open();
                (*stream)->write(chat_chunk_event(who, {{"content", text}}));
            };
            callbacks.on_done = [open, stream, who](engine::InferenceResult result) {
                open();
                (*stream)->write(chat_chunk_event(who, json::object(), result.finish_reason.c_str()));
                (*stream)->write(chat_usage_event(who, result));
                (*stream)->write(kDoneEvent);
                (*stream)->finish();
            };
            callbacks.on_error = [exchange, stream, request_id](engine::InferenceError error) {
                if (!*stream) return answer_error(exchange, request_id, error);
                (*stream)->write(stream_error_event(error, request_id));
                (*stream)->finish();
            };
        } else {
            callbacks.on_done = [this, exchange, shape, who, image_decode_ms, received](engine::InferenceResult result) {
                json body = shape == Shape::kChat ? chat_completion(who, result)
                                                  : infer_response(result, image_decode_ms, ms_since(received), model_name(), instance_);
                exchange->respond(net::Response::json(200, body));
            };
            callbacks.on_error = [exchange, request_id](engine::InferenceError error) { answer_error(exchange, request_id, error); };
        }
        auto handle = engine_->submit(std::move(inference), std::move(callbacks));
        // A client that goes away frees its slot at once.
        exchange->on_cancel([handle] { handle->cancel(); });
    }

    // The pixels the model sees for an encoded file; a file sent again (same bytes) skips decoding.
    std::shared_ptr<const engine::ModelImage> model_image(const std::string& bytes) {
        std::string key = image::hash_bytes(bytes);
        if (auto cached = decoded_images_.find(key)) {
            decoded_hits_.Increment();
            return cached;
        }
        image::RgbImage rgb = image::decode_for_model(bytes, config_.image);
        auto decoded = std::make_shared<engine::ModelImage>();
        decoded->hash = image::hash_pixels(rgb);
        decoded->width = rgb.width;
        decoded->height = rgb.height;
        decoded->rgb = std::move(rgb.pixels);
        decoded_images_.insert(key, decoded, decoded->rgb.size());
        return decoded;
    }

    const ModelServiceConfig& config_;
    ModelDeps deps_;
    Logger log_;
    WorkerPool decode_pool_;
    LruCache<engine::ModelImage> decoded_images_;
    prometheus::Counter& decoded_hits_;
    std::unique_ptr<net::HttpServer> server_;
    std::unique_ptr<engine::Engine> engine_;
    std::atomic<bool> engine_ready_{false};
    std::string load_error_;
    std::string instance_;
    std::thread loader_;
    std::mutex load_mutex_;
    std::condition_variable load_done_;
    bool load_finished_ = false;
};

ModelService::ModelService(const ModelServiceConfig& config, ModelDeps deps) : impl_(std::make_unique<Impl>(config, deps)) {}
ModelService::~ModelService() = default;
void ModelService::start() { impl_->start(); }
void ModelService::stop() { impl_->stop(); }
unsigned short ModelService::port() const { return impl_->port(); }
bool ModelService::wait_until_loaded() { return impl_->wait_until_loaded(); }

}  // namespace vg::services
