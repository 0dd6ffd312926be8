#include "net/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <optional>
#include <thread>
#include <vector>

#include "net/detail/http_session.hpp"
#include "obs/health.hpp"
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace vg::net {

using namespace detail;

namespace {
// How often deadlines are checked: timeouts fire up to this much late.
constexpr std::chrono::milliseconds kTickInterval{50};
thread_local asio::io_context* t_current_io = nullptr;
}  // namespace

asio::io_context* current_io_context() { return t_current_io; }

class HttpServer::Impl {
public:
    Impl(std::string name, ServerConfig config, Router router, HttpServerDeps deps)
        : context_(std::move(name), std::move(config), std::move(router), deps.registry, deps.log, deps.access_log),
          readiness_(deps.readiness),
          contexts_(make_contexts(context_.config.io_threads)),
          acceptor_(*contexts_.front()) {}

    ~Impl() { stop(); }

    void start() {
        const auto& config = context_.config;
        if (config.tls.enabled) {
            tls_.emplace(asio::ssl::context::tls_server);
            tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
            beast::error_code ec;
            tls_->use_certificate_chain_file(config.tls.cert_file, ec);
            if (ec) throw std::runtime_error(context_.name + ": cannot load TLS certificate " + config.tls.cert_file + ": " + ec.message());
            tls_->use_private_key_file(config.tls.key_file, asio::ssl::context::pem, ec);
            if (ec) throw std::runtime_error(context_.name + ": cannot load TLS key " + config.tls.key_file + ": " + ec.message());
        }
        beast::error_code ec;
        auto address = asio::ip::make_address(config.host, ec);
        if (ec) throw std::runtime_error(context_.name + ": invalid listen address '" + config.host + "'");
        tcp::endpoint endpoint(address, static_cast<unsigned short>(config.port));
        acceptor_.open(endpoint.protocol(), ec);
        if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor_.bind(endpoint, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            throw std::runtime_error(context_.name + ": cannot listen on " + config.host + ":" + std::to_string(config.port) + ": " +
                                     ec.message());
        }
        port_ = acceptor_.local_endpoint().port();
        readiness_.set("http:" + context_.name, true);
        accept();
        for (auto& io : contexts_) {
            work_.push_back(asio::make_work_guard(*io));
            tickers_.push_back(std::make_unique<asio::steady_timer>(*io));
            tick(*tickers_.back());
            threads_.emplace_back([&io = *io] {
                t_current_io = &io;
                io.run();
            });
        }
        context_.log.info("", "listening", nlohmann::json{{"server", context_.name}, {"address", config.host}, {"port", port_},
                                                          {"tls", config.tls.enabled}, {"io_threads", config.io_threads}});
    }

    unsigned short port() const { return port_; }

    void run_pending() {
        for (auto& io : contexts_) {
            io->restart();
            io->poll();
        }
    }

    std::vector<asio::io_context*> io_contexts() const {
        std::vector<asio::io_context*> out;
        for (const auto& io : contexts_) out.push_back(io.get());
        return out;
    }

    void stop() {
        if (threads_.empty() || stopped_) return;
        stopped_ = true;
        readiness_.set("http:" + context_.name, false, "draining");
        context_.draining.store(true);
        // Stop accepting first: new connections are refused while in-flight requests finish.
        asio::post(acceptor_.get_executor(), [this] {
            beast::error_code ignored;
            acceptor_.close(ignored);
        });
        context_.for_each_session([](SessionControl& s) { s.drain(); });
        auto deadline = std::chrono::steady_clock::now() + context_.config.drain_timeout;
        wait_for_sessions(deadline);
        std::size_t left = context_.session_count();
        if (left > 0) {
            context_.log.warn("", "drain deadline passed; closing connections", nlohmann::json{{"server", context_.name}, {"open", left}});
        }
        context_.for_each_session([](SessionControl& s) { s.force_close(); });
        wait_for_sessions(std::chrono::steady_clock::now() + std::chrono::seconds(2));
        work_.clear();
        for (auto& io : contexts_) io->stop();
        for (auto& t : threads_) t.join();
        threads_.clear();
        tickers_.clear();
        context_.log.info("", "stopped", nlohmann::json{{"server", context_.name}});
    }

private:
    void wait_for_sessions(std::chrono::steady_clock::time_point deadline) {
        // Sessions end on I/O threads; poll the count (no event to hook without coupling every
        // session destructor to the controlling thread).
        while (context_.session_count() > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    // Every session's timeouts are checked here, on its own thread: one timer per thread instead of
    // timers re-armed on every read and write.
    static void tick(asio::steady_timer& ticker) {
        ticker.expires_after(kTickInterval);
        ticker.async_wait([&ticker](beast::error_code ec) {
            if (ec) return;
            auto now = Clock::now();
            auto& sessions = ticked_sessions();
            std::erase_if(sessions, [now](std::weak_ptr<SessionControl>& weak) {
                auto session = weak.lock();
                if (!session) return true;
                session->on_tick(now);
                return false;
            });
            tick(ticker);
        });
    }

    void accept() {
        // Connections are spread over the threads and stay on theirs: no strands, no shared queue.
        auto& io = *contexts_[next_context_++ % contexts_.size()];
        acceptor_.async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
            if (!ec) on_accept(std::move(socket));
            accept();
        });
    }

    void on_accept(tcp::socket socket) {
        context_.metrics.connections_accepted.Increment();
        if (context_.connections.load() >= context_.config.max_connections) {
            context_.metrics.rejected("too_many_connections");
            beast::error_code ignored;
            socket.close(ignored);
            return;
        }
        beast::error_code ec;
        socket.set_option(tcp::no_delay(true), ec);
        auto remote = socket.remote_endpoint(ec);
        std::string peer = ec ? "unknown" : remote.address().to_string() + ":" + std::to_string(remote.port());
        context_.connections.fetch_add(1);
        context_.metrics.connections_active.Increment();
        if (tls_) {
            std::make_shared<Session<TlsStream>>(context_, std::move(peer), std::move(socket), *tls_)->run();
        } else {
            std::make_shared<Session<PlainStream>>(context_, std::move(peer), std::move(socket))->run();
        }
    }

    ServerContext context_;
    obs::Readiness& readiness_;
    static std::vector<std::unique_ptr<asio::io_context>> make_contexts(std::size_t count) {
        std::vector<std::unique_ptr<asio::io_context>> contexts;
        for (std::size_t i = 0; i < count; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
        return contexts;
    }

    std::vector<std::unique_ptr<asio::io_context>> contexts_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::vector<std::unique_ptr<asio::steady_timer>> tickers_;
    std::size_t next_context_ = 0;
    tcp::acceptor acceptor_;
    std::optional<asio::ssl::context> tls_;
    std::vector<std::thread> threads_;
    unsigned short port_ = 0;
    bool stopped_ = false;
};

HttpServer::HttpServer(std::string name, ServerConfig config, Router router, HttpServerDeps deps)
    : impl_(std::make_unique<Impl>(std::move(name), std::move(config), std::move(router), deps)) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() { impl_->start(); }
std::vector<asio::io_context*> HttpServer::io_contexts() const { return impl_->io_contexts(); }
void HttpServer::run_pending() { impl_->run_pending(); }
unsigned short HttpServer::port() const { return impl_->port(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace vg::net
