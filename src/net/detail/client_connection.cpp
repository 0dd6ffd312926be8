// The client's wire: resolve, connect, TLS, write one request, read one response. The only translation unit of
// the client that instantiates Beast's templates.
#include "net/detail/client_connection.hpp"

#include <limits>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>
#include <string>

#include "net/detail/client_call.hpp"
#include "net/detail/client_pool.hpp"

namespace vg::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kReadChunkBytes = 32 * 1024;
constexpr std::uint32_t kHeaderLimitBytes = 64 * 1024;

using Request = http::request<http::span_body<const char>>;
using ResponseParser = http::response_parser<http::buffer_body>;

// Errors that, on a reused connection before any response byte, mean the server had already closed it.
bool is_stale_connection_error(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
           ec == ssl::error::stream_truncated;
}

bool is_http_parse_error(const error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_version).category();
}

bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

class Connection final : public ClientConnection, public std::enable_shared_from_this<Connection> {
public:
    Connection(asio::io_context& io, std::shared_ptr<HostPool> pool)
        : pool_(std::move(pool)),
          strand_(asio::make_strand(io)),
          resolver_(strand_),
          socket_(strand_),
          connect_timer_(strand_),
          idle_timer_(strand_) {}

    void run(std::shared_ptr<Call> call) override {
        asio::post(strand_,
                   [self = shared_from_this(), call = std::move(call)]() mutable { self->on_run(std::move(call)); });
    }

    void abort(std::shared_ptr<Call> call) override {
        asio::post(strand_, [self = shared_from_this(), call = std::move(call)] {
            // The pending operation fails with operation_aborted and its handler hands the slot back.
            if (self->call_ == call) self->close_transport();
        });
    }

    void close() override {
        asio::post(strand_, [self = shared_from_this()] {
            if (self->call_) {
                self->call_->complete(self->call_->failure(ClientErrorKind::kClosed, "client shut down"));
                self->close_transport();
            } else {
                self->close_transport();
                self->pool_->release(self, false);
            }
        });
    }

private:
    const Url& origin() const { return pool_->origin(); }
    const ClientConfig& config() const { return pool_->config(); }

    template <class F>
    void with_stream(F&& f) {
        if (tls_) {
            f(*tls_);
        } else {
            f(socket_);
        }
    }

    void on_run(std::shared_ptr<Call> call) {
        idle_timer_.cancel();
        call_ = std::move(call);
        if (call_->done()) return finish(connected_);  // aborted before it reached us
        if (connected_) return write_request();
        start_connect();
    }

    // --- connect -------------------------------------------------------------------------------------------

    void start_connect() {
        connect_timer_.expires_after(config().connect_timeout);
        connect_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
            if (ec || self->connected_ || self->closed_) return;
            self->connect_timed_out_ = true;
            self->close_transport();
        });
        if (is_ip_literal(origin().host)) {
            const tcp::endpoint endpoint(asio::ip::make_address(origin().host), origin().port);
            return connect(tcp::resolver::results_type::create(endpoint, origin().host, std::to_string(origin().port)));
        }
        resolver_.async_resolve(
            origin().host, std::to_string(origin().port),
            [self = shared_from_this()](const error_code& ec, const tcp::resolver::results_type& results) {
                if (self->call_->done()) return self->drop();
                if (ec) return self->fail_connect(ec, "resolve " + self->origin().host);
                self->connect(results);
            });
    }

    void connect(const tcp::resolver::results_type& endpoints) {
        asio::async_connect(socket_, endpoints,
                            [self = shared_from_this()](const error_code& ec, const tcp::endpoint&) {
                                if (self->call_->done()) return self->drop();
                                if (ec) return self->fail_connect(ec, "connect to " + self->origin().origin());
                                error_code ignored;
                                self->socket_.set_option(tcp::no_delay(true), ignored);
                                if (self->origin().is_tls()) return self->handshake();
                                self->on_connected();
                            });
    }

    void handshake() {
        tls_.emplace(socket_, pool_->tls());
        if (!is_ip_literal(origin().host)) {
            // SNI, for virtual-hosted servers; SSL_set_tlsext_host_name() minus its macro's C-style cast.
            SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(origin().host.c_str()));
        }
        if (config().verify_tls) tls_->set_verify_callback(ssl::host_name_verification(origin().host));
        tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this()](const error_code& ec) {
            if (self->call_->done()) return self->drop();
            if (ec) return self->fail_connect(ec, "TLS handshake with " + self->origin().origin());
            self->on_connected();
        });
    }

    void on_connected() {
        connect_timer_.cancel();
        connected_ = true;
        write_request();
    }

    void fail_connect(const error_code& ec, const std::string& what) {
        if (connect_timed_out_) {
            return fail(ClientErrorKind::kConnectTimeout,
                        what + ": no connection within " + std::to_string(config().connect_timeout.count()) + " ms");
        }
        const bool tls_error = ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated;
        fail(tls_error ? ClientErrorKind::kTls : ClientErrorKind::kConnectFailed, what + ": " + ec.message());
    }

    // --- exchange ------------------------------------------------------------------------------------------

    void write_request() {
        const ClientRequest& source = call_->request();
        request_.emplace();
        Request& req = *request_;
        const http::verb verb = http::string_to_verb(source.method);
        if (verb == http::verb::unknown) {
            req.method_string(source.method);
        } else {
            req.method(verb);
        }
        req.target(call_->url().target);
        req.version(11);
        req.set(http::field::host, origin().host_header());
        if (!config().user_agent.empty()) req.set(http::field::user_agent, config().user_agent);
        for (const auto& [name, value] : source.headers) {
            // Framing belongs to the client: a forwarded Content-Length or Transfer-Encoding would lie.
            if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
            if (iequals(name, "host") || iequals(name, "user-agent")) {
                req.set(name, value);
            } else {
                req.insert(name, value);
            }
        }
        req.body() = http::span_body<const char>::value_type(source.body.data(), source.body.size());
        req.prepare_payload();
        wants_close_ = !req.keep_alive();

        call_->request_sent.store(true, std::memory_order_release);
        with_stream([this](auto& stream) {
            http::async_write(stream, *request_,
                              [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_write(ec); });
        });
    }

    void on_write(const error_code& ec) {
        if (call_->done()) return drop();
        if (ec) {
            if (can_retry(ec)) return retry();
            return fail(ClientErrorKind::kClosed, "write to " + origin().origin() + ": " + ec.message());
        }
        start_response();
    }

    void start_response() {
        parser_.emplace();
        parser_->header_limit(kHeaderLimitBytes);
        if (expects_body()) {
            parser_->body_limit(config().max_response_body_bytes);
        } else {
            parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // 1.74 treats none as 0
        }
        // A response to HEAD announces the length of a body it does not carry.
        if (is_head()) parser_->skip(true);
        header_seen_ = false;
        read_some();
    }

    void read_some() {
        auto& body = parser_->get().body();
        body.data = read_chunk_.data();
        body.size = read_chunk_.size();
        with_stream([this](auto& stream) {
            http::async_read_some(
                stream, buffer_, *parser_,
                [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_read(ec); });
        });
    }

    void on_read(error_code ec) {
        if (call_->done()) return drop();
        if (ec == http::error::need_buffer) ec = {};
        if (parser_->got_some() || buffer_.size() > 0) call_->response_started.store(true, std::memory_order_release);
        if (ec) return on_read_error(ec);

        if (parser_->is_header_done() && !header_seen_) {
            header_seen_ = true;
            const unsigned status = parser_->get().result_int();
            if (status / 100 == 1 && status != 101) return start_response();  // interim (100 Continue): skip
            // Already checked against the body limit by the parser.
            if (const auto length = parser_->content_length(); length && expects_body()) body_.reserve(*length);
            if (!deliver_head()) return;
        }
        const std::size_t got = read_chunk_.size() - parser_->get().body().size;
        if (got > 0 && !deliver(std::string_view(read_chunk_.data(), got))) return;
        if (parser_->is_done()) return succeed();
        read_some();
    }

    // False when the call ended while delivering.
    bool deliver_head() {
        const auto& on_head = call_->request().on_response_head;
        if (!streaming() || !on_head) return true;
        ClientResponse head;
        fill_head(head);
        return invoke_callback([&] { on_head(head); }, "on_response_head");
    }

    // False when the call ended while delivering.
    bool deliver(std::string_view chunk) {
        if (!streaming()) {
            if (body_.size() + chunk.size() > config().max_response_body_bytes) {
                fail(ClientErrorKind::kResponseTooLarge, too_large_message());
                return false;
            }
            body_.append(chunk);
            return true;
        }
        return invoke_callback([&] { call_->request().on_body_chunk(chunk); }, "on_body_chunk");
    }

    // Runs a caller's streaming callback; false when it threw or cancelled the call.
    template <class F>
    bool invoke_callback(F&& f, const char* name) {
        try {
            f();
        } catch (const std::exception& e) {
            fail(ClientErrorKind::kCancelled, std::string(name) + " threw: " + e.what());
            return false;
        } catch (...) {
            fail(ClientErrorKind::kCancelled, std::string(name) + " threw");
            return false;
        }
        if (call_->done()) {  // it cancelled the call
            drop();
            return false;
        }
        return true;
    }

    void on_read_error(const error_code& ec) {
        if (can_retry(ec)) return retry();
        if (ec == http::error::body_limit) return fail(ClientErrorKind::kResponseTooLarge, too_large_message());
        if (ec == http::error::end_of_stream || ec == http::error::partial_message || is_stale_connection_error(ec)) {
            return fail(ClientErrorKind::kClosed,
                        origin().origin() + " closed the connection before the response was complete: " + ec.message());
        }
        if (is_http_parse_error(ec)) {
            return fail(ClientErrorKind::kProtocol, "bad response from " + origin().origin() + ": " + ec.message());
        }
        fail(ClientErrorKind::kClosed, "read from " + origin().origin() + ": " + ec.message());
    }

    std::string too_large_message() const {
        return "response body from " + origin().origin() + " exceeds " +
               std::to_string(config().max_response_body_bytes) + " bytes";
    }

    void succeed() {
        auto& message = parser_->get();
        ClientResult result;
        result.request_sent = true;
        result.response_started = true;
        fill_head(result.response);
        result.response.body = std::move(body_);
        // Leftover bytes would be the start of an unasked-for response: do not reuse such a connection.
        const bool reusable = message.keep_alive() && !wants_close_ && !parser_->need_eof() &&
                              message.result_int() != 101 && buffer_.size() == 0;
        // The connection goes back to the pool before on_done is posted, so a caller sending its next request
        // from on_done finds it idle.
        const auto call = call_;
        finish(reusable);
        call->complete(std::move(result));
    }

    void fill_head(ClientResponse& response) const {
        const auto& message = parser_->get();
        response.status = static_cast<int>(message.result_int());
        for (const auto& field : message) {
            response.headers.add(std::string(field.name_string()), std::string(field.value()));
        }
    }

    bool streaming() const { return static_cast<bool>(call_->request().on_body_chunk); }
    bool is_head() const { return call_->request().method == "HEAD"; }
    // A body to accumulate, and so to hold to max_response_body_bytes.
    bool expects_body() const { return !streaming() && !is_head(); }

    // --- endings -------------------------------------------------------------------------------------------

    // Retrying is safe only when the server provably never answered: on a reused connection, before any byte.
    bool can_retry(const error_code& ec) const {
        const bool got_bytes = (parser_ && parser_->got_some()) || buffer_.size() > 0;
        return reused_ && !got_bytes && !call_->retried.load(std::memory_order_acquire) &&
               is_stale_connection_error(ec);
    }

    void retry() {
        close_transport();
        pool_->retry(shared_from_this(), std::exchange(call_, nullptr));
    }

    void fail(ClientErrorKind kind, std::string message) {
        ClientResult result = call_->failure(kind, std::move(message));
        if (parser_ && parser_->is_header_done()) fill_head(result.response);
        const auto call = call_;
        drop();  // first, as in succeed(): the slot is free by the time on_done runs
        call->complete(std::move(result));
    }

    // Ends the current exchange; a connection that cannot be reused leaves the pool.
    void finish(bool reusable) {
        if (!reusable || closed_) return drop();
        call_.reset();
        request_.reset();
        parser_.reset();
        body_.clear();
        reused_ = true;
        const auto release = pool_->release(shared_from_this(), true);
        switch (release.next) {
            case HostPool::Next::kClose: close_transport(); break;
            case HostPool::Next::kIdle: arm_idle_timer(release.idle_generation); break;
            case HostPool::Next::kReassigned: break;
        }
    }

    void drop() {
        close_transport();
        call_.reset();
        pool_->release(shared_from_this(), false);
    }

    void arm_idle_timer(std::uint64_t generation) {
        idle_timer_.expires_after(config().idle_timeout);
        idle_timer_.async_wait([self = shared_from_this(), generation](const error_code& ec) {
            if (ec) return;
            if (self->pool_->expire_idle(self, generation)) self->close_transport();
        });
    }

    void close_transport() {
        closed_ = true;
        error_code ignored;
        resolver_.cancel();
        connect_timer_.cancel();
        idle_timer_.cancel();
        // Closing the socket, not a TLS shutdown: pending operations must end now, and the peer learns from FIN.
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    const std::shared_ptr<HostPool> pool_;
    asio::strand<asio::io_context::executor_type> strand_;
    tcp::resolver resolver_;
    tcp::socket socket_;  // the lowest layer under tls_, if any
    std::optional<ssl::stream<tcp::socket&>> tls_;
    asio::steady_timer connect_timer_;
    asio::steady_timer idle_timer_;

    std::shared_ptr<Call> call_;  // the call being served; null while idle
    std::optional<Request> request_;
    std::optional<ResponseParser> parser_;
    beast::flat_buffer buffer_;
    std::array<char, kReadChunkBytes> read_chunk_{};
    std::string body_;

    bool connected_ = false;
    bool connect_timed_out_ = false;
    bool closed_ = false;
    bool reused_ = false;
    bool header_seen_ = false;
    bool wants_close_ = false;
};

}  // namespace

std::shared_ptr<ClientConnection> make_client_connection(boost::asio::io_context& io, std::shared_ptr<HostPool> pool) {
    return std::make_shared<Connection>(io, std::move(pool));
}

}  // namespace vg::net::detail
