#include "services/diag/diag_service.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "net/http_server.hpp"
#include "net/observability_routes.hpp"

namespace vg::services {

DiagConfig parse_diag_config(ConfigNode node) {
    DiagConfig config;
    net::ServerConfig defaults;
    defaults.port = 8090;
    config.server = net::parse_server_config(node.child("server"), defaults);
    node.read("max_delay", config.max_delay);
    node.finish();
    return config;
}

namespace {

// A query parameter as an integer in [0, max]; absent means 0.
long long query_integer(const net::Request& request, const char* name, long long max) {
    auto text = request.query_param(name).value_or("0");
    long long value = -1;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size() || value < 0 || value > max) {
        throw ClientError("invalid_parameter", std::string(name) + " must be an integer from 0 to " + std::to_string(max));
    }
    return value;
}

}  // namespace

class DiagService::Impl {
public:
    Impl(const DiagConfig& config, DiagDeps deps) : config_(config), deps_(deps), work_(io_.get_executor()) {}

    void start() {
        net::Router router;
        net::add_observability_routes(router, deps_.registry, deps_.readiness, "diag");
        router.get("/api/ping", [](net::Request&) { return net::Response::text(200, "pong\n"); });
        router.add("POST", "/api/echo", net::sync_handler([](net::Request& request) {
                       net::Response response = net::Response::text(200, request.body, std::string(request.header("Content-Type")));
                       if (response.headers.get_or("Content-Type", "").empty()) response.headers.set("Content-Type", "application/octet-stream");
                       return response;
                   }),
                   net::RouteOptions{.body_limit = std::nullopt, .content_types = {"application/json", "text/plain", "application/octet-stream"}});
        // Answers after `ms` without holding an I/O thread: what a slow upstream looks like.
        router.add("GET", "/api/delay", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
            std::chrono::milliseconds delay(query_integer(request, "ms", config_.max_delay.count()));
            auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
            exchange->on_cancel([timer] { boost::asio::post(timer->get_executor(), [timer] { timer->cancel(); }); });
            timer->async_wait([timer, exchange, delay](boost::system::error_code ec) {
                if (ec) return;
                exchange->respond(net::Response::json(200, {{"delayed_ms", delay.count()}}));
            });
        });
        // Server-Sent Events: `n` events `interval` ms apart.
        router.add("GET", "/api/stream", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
            auto count = query_integer(request, "n", 10'000);
            std::chrono::milliseconds interval(query_integer(request, "interval", config_.max_delay.count()));
            net::Headers headers;
            headers.set("Content-Type", "text/event-stream");
            headers.set("Cache-Control", "no-cache");
            auto stream = exchange->stream(200, std::move(headers));
            send_events(std::move(stream), 0, count, interval);
        });
        server_ = std::make_unique<net::HttpServer>(
            "diag", config_.server, std::move(router),
            net::HttpServerDeps{deps_.registry, deps_.readiness, deps_.logs.get("http"), deps_.logs.get("access")});
        server_->start();
        timer_thread_ = std::thread([this] { io_.run(); });
    }

    void stop() {
        if (server_) server_->stop();
        work_.reset();
        io_.stop();
        if (timer_thread_.joinable()) timer_thread_.join();
    }

    unsigned short port() const { return server_ ? server_->port() : 0; }

private:
    void send_events(std::shared_ptr<net::ResponseStream> stream, long long sent, long long count, std::chrono::milliseconds interval) {
        if (sent == count) {
            stream->write("event: done\ndata: {}\n\n");
            stream->finish();
            return;
        }
        if (!stream->write("data: {\"n\":" + std::to_string(sent) + "}\n\n")) return;  // client left
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, interval);
        timer->async_wait([this, timer, stream, sent, count, interval](boost::system::error_code ec) {
            if (!ec) send_events(stream, sent + 1, count, interval);
        });
    }

    const DiagConfig& config_;
    DiagDeps deps_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread timer_thread_;
    std::unique_ptr<net::HttpServer> server_;
};

DiagService::DiagService(const DiagConfig& config, DiagDeps deps) : impl_(std::make_unique<Impl>(config, deps)) {}
DiagService::~DiagService() { impl_->stop(); }
void DiagService::start() { impl_->start(); }
void DiagService::stop() { impl_->stop(); }
unsigned short DiagService::port() const { return impl_->port(); }

}  // namespace vg::services
