#include "engine/remote/remote_engine.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "engine/remote/chat_request.hpp"
#include "engine/remote/png_data_uri.hpp"
#include "engine/remote/remote_call.hpp"
#include "image/image_library.hpp"
#include "net/http_client.hpp"
#include "net/url.hpp"

namespace vg::engine {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Streams are I/O-bound and parsing them is cheap: two threads keep one slow callback from stalling the rest.
constexpr int kIoThreads = 2;
constexpr int kMinImageTokens = 8;

std::string chat_url(std::string base) {
    while (base.ends_with('/')) base.pop_back();
    return base + "/v1/chat/completions";
}

net::ClientConfig client_config(const RemoteEngineConfig& config) {
    net::ClientConfig client;
    client.max_connections_per_host = config.max_connections;
    client.max_pending_per_host = config.max_queue;
    client.connect_timeout = config.connect_timeout;
    return client;
}

milliseconds ceil_ms(Clock::duration d) {
    return std::chrono::ceil<milliseconds>(d);
}

}  // namespace

struct RemoteEngine::Io {
    boost::asio::io_context context;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{context.get_executor()};
    std::vector<std::thread> threads;
};

RemoteEngine::RemoteEngine(const RemoteEngineConfig& config, Logger log)
    : config_(config),
      log_(std::move(log)),
      chat_url_(chat_url(config.url)),
      state_(std::make_shared<RemoteEngineState>()),
      io_(std::make_unique<Io>()) {
    try {
        net::parse_url(chat_url_);
    } catch (const std::exception& e) {
        throw std::invalid_argument("remote engine: bad upstream url '" + config.url + "': " + e.what());
    }
    // Fail at start-up, not on the first image, if libvips cannot run.
    image::init_image_library();
    client_ = std::make_unique<net::HttpClient>(io_->context, client_config(config_));
    for (int i = 0; i < kIoThreads; ++i) io_->threads.emplace_back([this] { io_->context.run(); });
    log_.info("", "remote engine started", nlohmann::json{{"upstream", chat_url_}, {"model", model_name()}});
}

RemoteEngine::~RemoteEngine() {
    state_->stopping.store(true, std::memory_order_release);
    // In-flight calls complete with kClosed; letting the threads run dry delivers those callbacks.
    client_->shutdown();
    io_->work.reset();
    for (auto& thread : io_->threads) thread.join();
    client_.reset();
}

std::shared_ptr<InferenceHandle> RemoteEngine::submit(InferenceRequest request, InferenceCallbacks callbacks) {
    const auto submitted = Clock::now();
    int image_tokens_estimate = 0;
    for (const auto& image : request.images) {
        if (image) image_tokens_estimate += image_tokens(image->width, image->height);
    }
    auto call = std::make_shared<RemoteCall>(
        std::move(callbacks), RemoteCall::Context{request.request_id, log_, state_, image_tokens_estimate});

    std::string body;
    try {
        body = chat_completion_body(request, config_.model, png_data_uri)
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const Error& e) {
        call->fail({e.code(), e.what(), e.http_status(), 0});
        return call;
    } catch (const std::exception& e) {
        call->fail({"internal_error", std::string("could not build the upstream request: ") + e.what(), 500, 0});
        return call;
    }
    const auto encoded = Clock::now();

    // The earlier of our timeout and the request's deadline bounds the whole call.
    milliseconds timeout = config_.timeout;
    std::string timeout_limit = "the engine's timeout of " + std::to_string(timeout.count()) + " ms";
    if (request.deadline != Clock::time_point::max()) {
        const auto left = request.deadline - encoded;
        if (left <= Clock::duration::zero()) {
            call->fail({"upstream_timeout", "the request's deadline passed before it could be sent upstream", 504, 0});
            return call;
        }
        if (ceil_ms(left) < timeout) {
            timeout = ceil_ms(left);
            timeout_limit = "the request's deadline (" + std::to_string(timeout.count()) + " ms left)";
        }
    }

    net::ClientRequest http;
    http.method = "POST";
    http.url = chat_url_;
    http.timeout = timeout;
    http.body = std::move(body);
    http.headers.set("Content-Type", "application/json");
    http.headers.set("Accept", "text/event-stream");
    if (!config_.api_key.empty()) http.headers.set("Authorization", "Bearer " + config_.api_key);
    if (!request.request_id.empty()) http.headers.set("X-Request-Id", request.request_id);
    call->start(*client_, std::move(http), std::chrono::duration<double, std::milli>(encoded - submitted).count(),
                std::move(timeout_limit));
    return call;
}

bool RemoteEngine::saturated() const {
    // Calls are counted from submit(), so this includes those waiting for a connection.
    const auto in_flight = static_cast<std::size_t>(std::max(0, state_->in_flight.load(std::memory_order_relaxed)));
    return in_flight >= config_.max_connections + config_.max_queue;
}

int RemoteEngine::image_tokens(int width, int height) const {
    const std::int64_t columns = (std::max(width, 0) + std::int64_t{31}) / 32;
    const std::int64_t rows = (std::max(height, 0) + std::int64_t{31}) / 32;
    const std::int64_t tokens = columns * rows * config_.image_tokens_per_32px;
    return static_cast<int>(std::clamp<std::int64_t>(tokens, kMinImageTokens, std::int64_t{1} << 30));
}

std::string RemoteEngine::model_name() const {
    return config_.model.empty() ? "remote" : config_.model;
}

nlohmann::json RemoteEngine::info() const {
    return {{"engine", "remote"},
            {"upstream", config_.url},
            {"model", model_name()},
            {"in_flight", state_->in_flight.load(std::memory_order_relaxed)}};
}

}  // namespace vg::engine
