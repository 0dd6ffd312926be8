#pragma once
// Internal to net/: included by http_server.cpp only, so Beast's templates compile in one place.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <deque>
#include <limits>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "core/error.hpp"
#include "net/detail/response_writer.hpp"
#include "net/detail/server_context.hpp"
#include "obs/trace_context.hpp"

namespace vg::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Plain sockets: every timeout is the session's own deadline checked by its thread's ticker, so a
// request costs no timer syscalls (Beast's tcp_stream arms timers per operation).
using PlainStream = tcp::socket;
using TlsStream = asio::ssl::stream<tcp::socket>;
using Clock = std::chrono::steady_clock;

// What an Exchange asks of its session; implemented by Session<Stream>. Every call posts to the
// session's strand, so they are safe from any thread.
class SessionSink {
public:
    virtual ~SessionSink() = default;
    virtual void deliver(std::uint64_t exchange_id, Response response) = 0;
    virtual void deliver_head(std::uint64_t exchange_id, int status, Headers headers) = 0;
    virtual void deliver_chunk(std::uint64_t exchange_id, std::string data, bool last) = 0;
    virtual void abort_stream(std::uint64_t exchange_id) = 0;
};

// The answer side of one request. Remembers whether it was answered and whether the client left.
class ExchangeImpl final : public Exchange, public std::enable_shared_from_this<ExchangeImpl> {
public:
    ExchangeImpl(std::weak_ptr<SessionSink> session, std::uint64_t id) : session_(std::move(session)), id_(id) {}

    void respond(Response response) override {
        if (answered_.exchange(true)) return;
        if (auto s = session_.lock()) s->deliver(id_, std::move(response));
    }

    std::shared_ptr<ResponseStream> stream(int status, Headers headers) override;

    void on_cancel(std::function<void()> callback) override {
        std::unique_lock lock(mutex_);
        if (cancelled_) {
            lock.unlock();
            callback();
            return;
        }
        on_cancel_ = std::move(callback);
    }

    bool cancelled() const override {
        std::lock_guard lock(mutex_);
        return cancelled_;
    }

    bool answered() const { return answered_.load(); }

    // The answer is out: drop the cancel callback. It usually holds the work's handle, which in
    // turn holds callbacks that hold this exchange — a cycle that would otherwise never be freed.
    void complete() {
        std::function<void()> dropped;
        std::lock_guard lock(mutex_);
        dropped.swap(on_cancel_);
    }

    // Called by the session when the client goes away before the answer is complete.
    void cancel() {
        std::function<void()> callback;
        {
            std::lock_guard lock(mutex_);
            if (cancelled_) return;
            cancelled_ = true;
            callback = std::move(on_cancel_);
        }
        if (callback) callback();
    }

    std::weak_ptr<SessionSink> session() const { return session_; }
    std::uint64_t id() const { return id_; }

private:
    std::weak_ptr<SessionSink> session_;
    std::uint64_t id_;
    std::atomic<bool> answered_{false};
    mutable std::mutex mutex_;
    bool cancelled_ = false;
    std::function<void()> on_cancel_;
};

class StreamImpl final : public ResponseStream {
public:
    explicit StreamImpl(std::shared_ptr<ExchangeImpl> exchange) : exchange_(std::move(exchange)) {}
    ~StreamImpl() override { finish(); }

    bool write(std::string data) override {
        if (finished_.load() || exchange_->cancelled()) return false;
        if (auto s = exchange_->session().lock()) {
            s->deliver_chunk(exchange_->id(), std::move(data), false);
            return true;
        }
        return false;
    }

    void finish() override {
        if (finished_.exchange(true)) return;
        if (auto s = exchange_->session().lock()) s->deliver_chunk(exchange_->id(), {}, true);
    }

    void abort() override {
        if (finished_.exchange(true)) return;
        if (auto s = exchange_->session().lock()) s->abort_stream(exchange_->id());
    }

private:
    std::shared_ptr<ExchangeImpl> exchange_;
    std::atomic<bool> finished_{false};
};

inline std::shared_ptr<ResponseStream> ExchangeImpl::stream(int status, Headers headers) {
    if (answered_.exchange(true)) return std::make_shared<StreamImpl>(shared_from_this());
    if (auto s = session_.lock()) s->deliver_head(id_, status, std::move(headers));
    return std::make_shared<StreamImpl>(shared_from_this());
}

inline tcp::socket& lowest(PlainStream& s) { return s; }
inline tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

// One client connection. All state is touched only on the connection's strand.
template <class Stream>
class Session final : public SessionControl, public SessionSink, public std::enable_shared_from_this<Session<Stream>> {
public:
    template <class... StreamArgs>
    Session(ServerContext& context, std::string remote, StreamArgs&&... args)
        : context_(context), stream_(std::forward<StreamArgs>(args)...), remote_(std::move(remote)) {}

    ~Session() override {
        context_.connections.fetch_sub(1);
        context_.metrics.connections_active.Decrement();
        if (session_id_) context_.remove_session(session_id_);
    }

    void run() {
        session_id_ = context_.add_session(this->weak_from_this());
        asio::dispatch(lowest(stream_).get_executor(), [self = this->shared_from_this()] {
            ticked_sessions().push_back(self);
            self->handshake();
        });
    }

    // --- SessionControl (any thread) ---
    void drain() override {
        asio::post(lowest(stream_).get_executor(), [self = this->shared_from_this()] {
            self->keep_alive_ = false;
            bool between_requests = self->state_ == State::kIdle || (self->state_ == State::kReadingHeader && self->buffer_.size() == 0);
            if (between_requests) self->close();
        });
    }
    void force_close() override {
        asio::post(lowest(stream_).get_executor(), [self = this->shared_from_this()] { self->close(); });
    }

    // --- SessionSink (any thread) ---
    void deliver(std::uint64_t exchange_id, Response response) override {
        // dispatch: a handler answering on the session's own thread is served inline, no extra hop.
        asio::dispatch(lowest(stream_).get_executor(), [self = this->shared_from_this(), exchange_id, r = std::move(response)]() mutable {
            if (!self->current(exchange_id)) return;
            self->status_ = r.status;
            self->state_ = State::kWriting;
            self->enqueue(serialize_response(r, self->request_.request_id, self->keep_alive_), true);
        });
    }
    void deliver_head(std::uint64_t exchange_id, int status, Headers headers) override {
        asio::post(lowest(stream_).get_executor(), [self = this->shared_from_this(), exchange_id, status, h = std::move(headers)] {
            if (!self->current(exchange_id)) return;
            self->status_ = status;
            self->state_ = State::kStreaming;
            self->enqueue(serialize_head(status, h, self->request_.request_id, self->keep_alive_, nullptr), false);
        });
    }
    void deliver_chunk(std::uint64_t exchange_id, std::string data, bool last) override {
        asio::post(lowest(stream_).get_executor(), [self = this->shared_from_this(), exchange_id, d = std::move(data), last] {
            if (!self->current(exchange_id) || self->state_ != State::kStreaming) return;
            if (last) {
                self->state_ = State::kWriting;
                self->enqueue(std::string(kLastChunk), true);
            } else {
                self->enqueue(serialize_chunk(d), false);
            }
        });
    }

    // Chunks already queued go out, then the connection closes without the last chunk: the client
    // sees a truncated body instead of a complete-looking one.
    void abort_stream(std::uint64_t exchange_id) override {
        asio::post(lowest(stream_).get_executor(), [self = this->shared_from_this(), exchange_id] {
            if (!self->current(exchange_id) || self->state_ != State::kStreaming) return;
            self->state_ = State::kWriting;
            self->keep_alive_ = false;
            self->enqueue(std::string(), true);
        });
    }

private:
    enum class State { kIdle, kReadingHeader, kReadingBody, kHandling, kStreaming, kWriting, kClosed };

    bool current(std::uint64_t exchange_id) const {
        return exchange_ && exchange_->id() == exchange_id && state_ != State::kClosed;
    }

    void handshake() {
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            arm_read_timer(context_.config.header_timeout, ReadExpiry::kClose);
            stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
                if (ec) {
                    self->context_.metrics.rejected("tls_handshake");
                    return self->close();
                }
                self->disarm_read_timer();
                self->wait_for_request();
            });
        } else {
            wait_for_request();
        }
    }

    // Keep-alive: wait (up to idle_timeout) for the first bytes of the next request.
    void wait_for_request() {
        state_ = State::kIdle;
        if (context_.draining.load()) keep_alive_ = false;
        if (!keep_alive_ && requests_served_ > 0) return close();
        if (buffer_.size() > 0) {
            // A pipelined request is already buffered; a watch read may still be pending on the socket.
            if (reading_) {
                cancel_watch_ = true;
                beast::error_code ignored;
                lowest(stream_).cancel(ignored);
                return;
            }
            return read_header(context_.config.header_timeout);
        }
        if (reading_) {
            // The watch read from the last request is still pending: it brings the next bytes.
            arm_read_timer(context_.config.idle_timeout, ReadExpiry::kClose);
            return;
        }
        // Parse straight from the socket: the first request gets header_timeout, keep-alive waits idle_timeout.
        read_header(requests_served_ == 0 ? context_.config.header_timeout : context_.config.idle_timeout);
    }

    // A bare read: used while idle (next request) and while a handler works (to notice the client
    // leaving). Pipelined bytes that arrive meanwhile stay in the buffer for the next parse.
    void read_some() {
        reading_ = true;
        stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
            self->reading_ = false;
            self->on_read_some(ec, n);
        });
    }

    void on_read_some(beast::error_code ec, std::size_t n) {
        if (state_ == State::kClosed) return;
        if (ec == asio::error::operation_aborted && cancel_watch_) {
            cancel_watch_ = false;
            buffer_.commit(n);
            if (state_ == State::kIdle) read_header(context_.config.header_timeout);
            return;
        }
        if (ec) {
            // kWriting: the answer is complete and being flushed; a client that read it and hung up
            // before our write completion ran is not a disconnect.
            if (state_ == State::kHandling || state_ == State::kStreaming) {
                context_.metrics.rejected("client_disconnect");
                if (exchange_) exchange_->cancel();
            }
            return close();
        }
        buffer_.commit(n);
        if (state_ == State::kIdle) return read_header(context_.config.header_timeout);
        // Busy: keep watching for a disconnect while the pipelined backlog is small.
        if (buffer_.size() < context_.config.max_header_bytes.bytes) read_some();
    }

    void read_header(std::chrono::milliseconds timeout) {
        state_ = State::kReadingHeader;
        header_parser_.emplace();
        header_parser_->header_limit(static_cast<std::uint32_t>(context_.config.max_header_bytes.bytes));
        // The route decides the body limit once the headers are in (413 then); Beast's own default would
        // fail large uploads at the header stage.
        header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        arm_read_timer(timeout, ReadExpiry::kAnswerIfStarted);
        http::async_read_header(stream_, buffer_, *header_parser_,
                                [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (state_ == State::kClosed) return;
        if (read_timed_out_) return reject(408, "header_timeout", "request headers did not arrive in time");
        disarm_read_timer();
        if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) {
            if (buffer_.size() > 0) context_.metrics.rejected("client_disconnect");
            return close();
        }
        if (ec == http::error::header_limit) {
            return reject(431, "header_too_large",
                          "request headers exceed " + std::to_string(context_.config.max_header_bytes.bytes) + " bytes");
        }
        // Framing errors get their own codes: they are how request smuggling is attempted.
        if (ec == http::error::bad_content_length) {
            return reject(400, "invalid_content_length", "invalid Content-Length: " + ec.message());
        }
        if (ec == http::error::bad_transfer_encoding) {
            return reject(400, "invalid_transfer_encoding", "invalid Transfer-Encoding: " + ec.message());
        }
        if (ec) return reject(400, "malformed_request", "malformed HTTP request: " + ec.message());
        handle_header();
    }

    void handle_header() {
        auto& message = header_parser_->get();
        request_ = Request{};
        request_.method = std::string(message.method_string());
        request_.target = std::string(message.target());
        request_.remote_address = remote_;
        request_.received_at = std::chrono::steady_clock::now();
        std::size_t content_lengths = 0;
        bool has_transfer_encoding = false;
        for (const auto& field : message) {
            std::string_view name(field.name_string().data(), field.name_string().size());
            request_.headers.add(std::string(name), std::string(field.value()));
            if (iequals(name, "Content-Length")) ++content_lengths;
            if (iequals(name, "Transfer-Encoding")) has_transfer_encoding = true;
        }
        auto id = request_.headers.get("X-Request-Id");
        request_.request_id = id && acceptable_request_id(*id) ? std::string(*id) : obs::random_hex(16);
        auto trace = obs::TraceContext::parse(request_.headers.get_or("traceparent", ""));
        // Without an incoming traceparent the trace id is made only when something needs it (access
        // log, an outgoing call): most requests never do.
        if (trace) request_.trace = *trace;
        keep_alive_ = message.keep_alive() && !context_.draining.load();
        bool has_body = header_parser_->chunked() || header_parser_->content_length().value_or(0) > 0;

        // Request smuggling: never guess which length a proxy in front of us believed.
        if (content_lengths > 1) return reject(400, "duplicate_content_length", "more than one Content-Length header");
        if (content_lengths > 0 && has_transfer_encoding) {
            return reject(400, "ambiguous_body_length", "both Content-Length and Transfer-Encoding are present");
        }
        // RFC 9112 6.3: unless chunked comes last, a request's body length cannot be known; Beast would
        // read no body and parse the rest as the next request.
        if (has_transfer_encoding && !header_parser_->chunked()) {
            return reject(400, "invalid_transfer_encoding",
                          "Transfer-Encoding must end with chunked (and name it once)");
        }
        auto query_at = request_.target.find('?');
        std::string_view raw_path = std::string_view(request_.target).substr(0, query_at);
        if (!raw_path.starts_with('/')) return reject(400, "invalid_target", "request target must be an absolute path");
        if (query_at != std::string::npos) request_.query = request_.target.substr(query_at + 1);
        request_.path = percent_decode(raw_path);

        auto match = context_.router.match(request_.method, request_.path);
        if (!match.route) {
            if (has_body) keep_alive_ = false;  // the unread body would be parsed as the next request
            if (!match.allowed_methods.empty()) {
                std::string allow;
                for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
                Headers headers;
                headers.set("Allow", allow);
                return answer_error(405, "method_not_allowed", request_.method + " is not allowed on " + request_.path + "; allowed: " + allow,
                                    std::move(headers), "unmatched");
            }
            return answer_error(404, "not_found", "no route for " + request_.path, {}, "unmatched");
        }
        route_ = match.route;
        request_.route = route_->pattern;
        request_.path_params = std::move(match.params);

        if (has_body && !route_->options.content_types.empty()) {
            std::string type = request_.content_type();
            bool accepted = false;
            for (const auto& allowed : route_->options.content_types) accepted = accepted || type == allowed;
            if (!accepted) {
                keep_alive_ = false;
                std::string list;
                for (const auto& allowed : route_->options.content_types) list += (list.empty() ? "" : ", ") + allowed;
                return answer_error(415, "unsupported_media_type",
                                    "Content-Type '" + std::string(request_.header("Content-Type")) + "' is not accepted; use " + list, {},
                                    route_->pattern);
            }
        }
        const std::size_t limit = body_limit();
        if (header_parser_->content_length().value_or(0) > limit) {
            keep_alive_ = false;
            context_.metrics.rejected("body_too_large");
            return answer_error(413, "body_too_large", "request body exceeds " + std::to_string(limit) + " bytes", {}, route_->pattern);
        }
        if (!has_body) return dispatch();

        if (iequals(request_.header("Expect"), "100-continue")) enqueue("HTTP/1.1 100 Continue\r\n\r\n", false);
        state_ = State::kReadingBody;
        body_parser_.emplace(std::move(*header_parser_));
        body_parser_->body_limit(limit);
        arm_read_timer(context_.config.body_timeout, ReadExpiry::kAnswer408);
        http::async_read(stream_, buffer_, *body_parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
    }

    void on_body(beast::error_code ec) {
        if (state_ == State::kClosed) return;
        if (read_timed_out_) return reject(408, "body_timeout", "request body did not arrive in time");
        disarm_read_timer();
        if (ec == http::error::body_limit) {
            return reject(413, "body_too_large", "request body exceeds " + std::to_string(body_limit()) + " bytes");
        }
        if (ec == http::error::partial_message || ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset) {
            context_.metrics.rejected("client_disconnect");
            return close();
        }
        if (ec) return reject(400, "malformed_body", "malformed request body: " + ec.message());
        request_.body = std::move(body_parser_->get().body());
        body_parser_.reset();
        dispatch();
    }

    // The route's limit, decided from the request head before any of the body is read.
    std::size_t body_limit() const {
        if (route_->options.body_limit_for) {
            if (auto limit = route_->options.body_limit_for(request_)) return *limit;
        }
        return route_->options.body_limit.value_or(context_.config.max_body_bytes.bytes);
    }

    void dispatch() {
        state_ = State::kHandling;
        header_parser_.reset();
        exchange_ = std::make_shared<ExchangeImpl>(this->weak_from_this(), ++exchange_counter_);
        context_.metrics.requests_in_flight.Increment();
        in_flight_ = true;
        auto exchange = exchange_;
        try {
            route_->handler(request_, exchange);
        } catch (const Error& e) {
            if (!exchange->answered()) exchange->respond(error_response(e.http_status(), e.code(), e.what(), {}));
        } catch (const std::exception& e) {
            context_.log.error(request_.request_id, "handler failed", nlohmann::json{{"route", request_.route}, {"error", e.what()}});
            if (!exchange->answered()) exchange->respond(error_response(500, "internal_error", "internal error", {}));
        }
        // Still working (answer comes later): watch the socket so a client that leaves cancels it.
        if ((state_ == State::kHandling || state_ == State::kStreaming) && !reading_) read_some();
    }

    Response error_response(int status, const std::string& code, const std::string& message, Headers headers) const {
        Response response = Response::error(status, code, message, request_.request_id);
        for (const auto& [name, value] : headers) response.headers.set(name, value);
        return response;
    }

    // An error answered without a handler, on a request we fully understood.
    void answer_error(int status, const std::string& code, const std::string& message, Headers headers, std::string route) {
        request_.route = std::move(route);
        status_ = status;
        state_ = State::kWriting;
        exchange_.reset();
        enqueue(serialize_response(error_response(status, code, message, std::move(headers)), request_.request_id, keep_alive_), true);
    }

    // A request we could not read properly: answer if possible, then close.
    void reject(int status, const std::string& code, const std::string& message) {
        context_.metrics.rejected(code);
        context_.log.debug(request_.request_id, "request rejected", nlohmann::json{{"code", code}, {"remote", remote_}});
        keep_alive_ = false;
        if (request_.request_id.empty()) request_.request_id = obs::random_hex(16);
        if (request_.route.empty()) request_.route = "unmatched";
        status_ = status;
        state_ = State::kWriting;
        exchange_.reset();
        enqueue(serialize_response(error_response(status, code, message, {}), request_.request_id, false), true);
    }

    // Deadlines are plain time points checked by the thread's ticker (on_tick): arming one is a
    // clock read. A read deadline that passes cancels the pending read (the socket stays writable,
    // so a 408 can still go out) or, with no request under way, closes the connection.
    enum class ReadExpiry { kClose, kAnswer408, kAnswerIfStarted, kLinger };

    void arm_read_timer(std::chrono::milliseconds timeout, ReadExpiry on_expiry) {
        read_timed_out_ = false;
        read_deadline_ = Clock::now() + timeout;
        read_expiry_ = on_expiry;
    }

    void disarm_read_timer() { read_deadline_ = Clock::time_point::max(); }

public:
    // On the session's thread, a few times a second.
    void on_tick(Clock::time_point now) override {
        if (write_deadline_ <= now) {
            write_deadline_ = Clock::time_point::max();
            context_.metrics.rejected("write_timeout");
            if (exchange_) exchange_->cancel();
            force_close_now();
            return;
        }
        if (read_deadline_ > now) return;
        read_deadline_ = Clock::time_point::max();
        if (read_expiry_ == ReadExpiry::kLinger) return force_close_now();
        if (state_ == State::kClosed) return;
        bool started = read_expiry_ == ReadExpiry::kAnswer408 || (read_expiry_ == ReadExpiry::kAnswerIfStarted && buffer_.size() > 0);
        if (!started) {
            // No byte of a request yet: an idle connection, closed without an answer.
            if (state_ == State::kIdle || state_ == State::kReadingHeader) close();
            return;
        }
        read_timed_out_ = true;
        beast::error_code ignored;
        lowest(stream_).cancel(ignored);
    }

private:
    void force_close_now() {
        beast::error_code ignored;
        lowest(stream_).close(ignored);
    }

    void enqueue(std::string data, bool ends_response) {
        if (state_ == State::kClosed) return;
        if (data.empty() && !ends_response) return;
        write_queue_.push_back({std::move(data), ends_response});
        if (!writing_) write_next();
    }

    void write_next() {
        if (write_queue_.empty()) return;
        writing_ = true;
        write_deadline_ = Clock::now() + context_.config.write_timeout;
        asio::async_write(stream_, asio::buffer(write_queue_.front().data),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    void on_write(beast::error_code ec) {
        writing_ = false;
        write_deadline_ = Clock::time_point::max();
        if (ec) {
            if (exchange_) exchange_->cancel();
            if (state_ != State::kClosed) context_.metrics.rejected("client_disconnect");
            return close();
        }
        bool ends = write_queue_.front().ends_response;
        write_queue_.pop_front();
        if (ends) on_response_complete();
        if (state_ != State::kClosed) write_next();
    }

    void on_response_complete() {
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - request_.received_at).count();
        context_.metrics.record(request_.route.empty() ? "unmatched" : request_.route, request_.method.empty() ? "-" : request_.method,
                                status_, seconds);
        if (context_.access_log.enabled(LogLevel::kInfo)) {
            context_.access_log.info(request_.request_id, "request",
                                     nlohmann::json{{"method", request_.method},
                                                    {"path", request_.path},
                                                    {"status", status_},
                                                    {"ms", seconds * 1000},
                                                    {"trace_id", request_.trace_id()},
                                                    {"remote", remote_}});
        }
        if (in_flight_) {
            context_.metrics.requests_in_flight.Decrement();
            in_flight_ = false;
        }
        if (exchange_) exchange_->complete();
        exchange_.reset();
        ++requests_served_;
        if (!keep_alive_) return linger_close();
        wait_for_request();
    }

    // After a final response on a connection we are closing, the client may still be sending (a
    // rejected upload). Closing with unread data makes the kernel send a reset that can destroy the
    // response in flight, so stop sending, drain what arrives for a moment, then close.
    void linger_close() {
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            return close();
        } else {
            if (state_ == State::kClosed) return;
            state_ = State::kClosed;
            if (exchange_) exchange_->cancel();
            beast::error_code ignored;
            lowest(stream_).shutdown(tcp::socket::shutdown_send, ignored);
            if (reading_) {
                // The pending watch read ends with EOF or the linger deadline and closes then.
                linger_cancelled_watch_ = true;
                lowest(stream_).cancel(ignored);
            }
            arm_read_timer(std::chrono::seconds(2), ReadExpiry::kLinger);
            discard_until_eof();
        }
    }

    void discard_until_eof() {
        buffer_.clear();
        lowest(stream_).async_read_some(buffer_.prepare(16384), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec == asio::error::operation_aborted && self->linger_cancelled_watch_) {
                self->linger_cancelled_watch_ = false;
                return self->discard_until_eof();  // our own cancel of the watch read, not the deadline
            }
            if (ec) {
                self->disarm_read_timer();
                self->force_close_now();
                return;
            }
            self->discard_until_eof();
        });
    }

    void close() {
        if (state_ == State::kClosed) return;
        state_ = State::kClosed;
        if (in_flight_) {
            context_.metrics.requests_in_flight.Decrement();
            in_flight_ = false;
        }
        if (exchange_) exchange_->cancel();
        beast::error_code ignored;
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            // Best effort close_notify; never wait on a client for it more than a second.
            arm_read_timer(std::chrono::seconds(1), ReadExpiry::kLinger);
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
                self->disarm_read_timer();
                self->force_close_now();
            });
            return;
        }
        lowest(stream_).shutdown(tcp::socket::shutdown_send, ignored);
        lowest(stream_).close(ignored);
    }

    struct PendingWrite {
        std::string data;
        bool ends_response;
    };

    ServerContext& context_;
    Stream stream_;
    Clock::time_point read_deadline_ = Clock::time_point::max();
    ReadExpiry read_expiry_ = ReadExpiry::kClose;
    Clock::time_point write_deadline_ = Clock::time_point::max();
    bool linger_cancelled_watch_ = false;
    std::string remote_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::empty_body>> header_parser_;
    std::optional<http::request_parser<http::string_body>> body_parser_;
    std::deque<PendingWrite> write_queue_;
    bool writing_ = false;
    bool reading_ = false;
    bool cancel_watch_ = false;
    bool read_timed_out_ = false;
    bool keep_alive_ = true;
    bool in_flight_ = false;
    State state_ = State::kIdle;
    Request request_;
    const Route* route_ = nullptr;
    std::shared_ptr<ExchangeImpl> exchange_;
    std::uint64_t exchange_counter_ = 0;
    std::uint64_t session_id_ = 0;
    std::uint64_t requests_served_ = 0;
    int status_ = 0;
};

}  // namespace vg::net::detail
