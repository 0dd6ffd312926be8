#include "support/fake_upstream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

namespace vg::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// --- Gate, ChunkedBody, Reply ---------------------------------------------------------------------------------

void Gate::open() {
    std::vector<std::function<void()>> waiters;
    {
        std::lock_guard lock(mutex_);
        open_ = true;
        waiters.swap(waiters_);
    }
    for (auto& f : waiters) f();
}

bool Gate::is_open() const {
    std::lock_guard lock(mutex_);
    return open_;
}

void Gate::on_open(std::function<void()> f) {
    {
        std::lock_guard lock(mutex_);
        if (!open_) {
            waiters_.push_back(std::move(f));
            return;
        }
    }
    f();
}

void ChunkedBody::write(std::string_view data) {
    if (data.empty()) return;
    char size[32];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    emit(std::string(size, static_cast<std::size_t>(n)) + std::string(data) + "\r\n", false);
}

void ChunkedBody::finish() {
    emit("0\r\n\r\n", false);
}

void ChunkedBody::abort() {
    emit({}, true);
}

void ChunkedBody::attach(Sink sink) {
    std::string pending;
    bool close = false;
    {
        std::lock_guard lock(mutex_);
        sink_ = std::move(sink);
        pending.swap(pending_);
        close = pending_close_;
    }
    if (!pending.empty() || close) sink_(std::move(pending), close);
}

void ChunkedBody::emit(std::string bytes, bool close) {
    std::unique_lock lock(mutex_);
    if (!sink_) {
        pending_ += bytes;
        pending_close_ = pending_close_ || close;
        return;
    }
    auto sink = sink_;
    lock.unlock();
    sink(std::move(bytes), close);
}

Reply Reply::respond(int status, std::string body) {
    Reply reply;
    reply.status = status;
    reply.body = std::move(body);
    return reply;
}

Reply Reply::streamed(std::shared_ptr<ChunkedBody> body, int status) {
    Reply reply;
    reply.action = Action::kStream;
    reply.status = status;
    reply.stream = std::move(body);
    return reply;
}

Reply Reply::stall() {
    Reply reply;
    reply.action = Action::kStall;
    return reply;
}

Reply Reply::close() {
    Reply reply;
    reply.action = Action::kClose;
    return reply;
}

Reply Reply::reset() {
    Reply reply;
    reply.action = Action::kReset;
    return reply;
}

Reply Reply::raw_bytes(std::string bytes) {
    Reply reply;
    reply.action = Action::kRaw;
    reply.raw = std::move(bytes);
    return reply;
}

Reply& Reply::header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

Reply& Reply::after(std::shared_ptr<Gate> g) {
    gate = std::move(g);
    return *this;
}

Reply& Reply::then_close() {
    close_after = true;
    return *this;
}

namespace {

std::string serialize_head(const Reply& reply, bool chunked) {
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                       std::string(http::obsolete_reason(static_cast<http::status>(reply.status))) + "\r\n";
    bool framed = false;
    for (const auto& [name, value] : reply.headers) {
        framed = framed || net::iequals(name, "content-length") || net::iequals(name, "transfer-encoding");
        head += name + ": " + value + "\r\n";
    }
    if (chunked) {
        head += "Transfer-Encoding: chunked\r\n";
    } else if (!framed) {
        head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    }
    return head + "\r\n";
}

}  // namespace

// --- the server -----------------------------------------------------------------------------------------------

class FakeUpstream::Impl {
public:
    class Session;

    Impl(Handler handler, const TlsIdentity* identity)
        : handler_(std::move(handler)), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        if (identity) {
            tls_.emplace(ssl::context::tls_server);
            tls_->use_certificate_chain(asio::buffer(identity->cert_pem));
            tls_->use_private_key(asio::buffer(identity->key_pem), ssl::context::pem);
        }
        acceptor_.listen(asio::socket_base::max_listen_connections);
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }

    ~Impl() { stop(); }

    void stop() {
        std::call_once(stopped_, [this] {
            asio::post(io_, [this] {
                error_code ignored;
                acceptor_.close(ignored);
                close_sessions(false);
                io_.stop();
            });
            thread_.join();
        });
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    bool is_tls() const { return tls_.has_value(); }

    // Runs `f` on the server's thread and waits for it.
    template <class F>
    auto on_server_thread(F f) {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        asio::post(io_, [&task] { task(); });
        return result.get();
    }

    std::size_t close_sessions(bool idle_only);

    Reply next_reply(const RecordedRequest& request) {
        Handler handler;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
            changed_.notify_all();
            if (!scripted_.empty()) {
                Reply reply = std::move(scripted_.front());
                scripted_.pop_front();
                return reply;
            }
            handler = handler_;
        }
        try {
            return handler ? handler(request) : Reply::ok();
        } catch (const std::exception& e) {
            return Reply::respond(500, std::string("fake upstream handler threw: ") + e.what());
        }
    }

    void on_closed(Session* session) {
        sessions_.erase(session);
        std::lock_guard lock(mutex_);
        --open_;
        ++closed_;
        changed_.notify_all();
    }

    template <class Pred>
    bool wait(std::chrono::milliseconds timeout, Pred pred) const {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pred(); });
    }

    asio::io_context io_;
    std::optional<ssl::context> tls_;

    mutable std::mutex mutex_;  // guards what the test thread reads; the rest belongs to the server's thread
    mutable std::condition_variable changed_;
    Handler handler_;
    std::deque<Reply> scripted_;
    std::vector<RecordedRequest> requests_;
    std::size_t accepted_ = 0;
    std::size_t open_ = 0;
    std::size_t max_open_ = 0;
    std::size_t closed_ = 0;

private:
    void accept();

    tcp::acceptor acceptor_;
    std::map<Session*, std::shared_ptr<Session>> sessions_;
    std::thread thread_;
    std::once_flag stopped_;
};

class FakeUpstream::Impl::Session : public std::enable_shared_from_this<Session> {
public:
    Session(Impl& owner, tcp::socket socket, std::size_t id) : owner_(owner), socket_(std::move(socket)), id_(id) {}

    void start() {
        if (!owner_.tls_) return read_request();
        tls_.emplace(socket_, *owner_.tls_);
        tls_->async_handshake(ssl::stream_base::server, [self = shared_from_this()](const error_code& ec) {
            if (ec) return self->close();
            self->read_request();
        });
    }

    // Between requests: no reply owed and no byte of the next request received. The last reply may still be
    // leaving, since the client can have it before our write completes.
    bool idle() const { return !closed_ && replies_owed_ == 0 && !(parser_ && parser_->got_some()); }

    // Closes once what has been written is out.
    void close_when_flushed() {
        if (writes_.empty()) return close();
        close_after_write_ = true;
    }

    void close(bool reset = false) {
        if (closed_) return;
        closed_ = true;
        error_code ignored;
        if (reset) socket_.set_option(asio::socket_base::linger(true, 0), ignored);
        socket_.close(ignored);
        owner_.on_closed(this);
    }

private:
    template <class F>
    void with_stream(F&& f) {
        if (tls_) {
            f(*tls_);
        } else {
            f(socket_);
        }
    }

    void read_request() {
        parser_.emplace();
        parser_->body_limit(std::uint64_t{1} << 30);
        with_stream([this](auto& stream) {
            http::async_read(stream, buffer_, *parser_,
                             [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_request(ec); });
        });
    }

    void on_request(const error_code& ec) {
        if (closed_) return;
        if (ec) return close();
        auto& message = parser_->get();
        RecordedRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message)
            request.headers.add(std::string(field.name_string()), std::string(field.value()));
        request.body = std::move(message.body());
        request.connection = id_;
        parser_.reset();

        Reply reply = owner_.next_reply(request);
        if (reply.action == Reply::Action::kClose || reply.action == Reply::Action::kReset) {
            // Immediate, so that what the client sees does not depend on a later read.
            if (!reply.gate) return close(reply.action == Reply::Action::kReset);
        }
        ++replies_owed_;
        if (reply.gate) {
            auto gate = reply.gate;
            // Weak: a gate the test keeps must not keep a session (and its socket) past the server's life.
            gate->on_open([weak = weak_from_this(), reply = std::move(reply)]() mutable {
                auto self = weak.lock();
                if (!self) return;
                asio::post(self->owner_.io_,
                           [self, reply = std::move(reply)]() mutable { self->perform(std::move(reply)); });
            });
        } else {
            perform(std::move(reply));
        }
        // Keep reading even while a reply is owed: that is how a client closing the connection is noticed.
        read_request();
    }

    void perform(Reply reply) {
        if (closed_) return;
        --replies_owed_;
        switch (reply.action) {
            case Reply::Action::kRespond: write(serialize_head(reply, false) + reply.body, reply.close_after); break;
            case Reply::Action::kStream:
                write(serialize_head(reply, true), false);
                reply.stream->attach([weak = weak_from_this()](std::string bytes, bool close) {
                    auto self = weak.lock();
                    if (!self) return;
                    asio::post(self->owner_.io_, [self, bytes = std::move(bytes), close]() mutable {
                        self->write(std::move(bytes), close);
                    });
                });
                break;
            case Reply::Action::kStall: break;
            case Reply::Action::kClose: close(); break;
            case Reply::Action::kReset: close(true); break;
            case Reply::Action::kRaw: write(std::move(reply.raw), reply.close_after); break;
        }
    }

    void write(std::string bytes, bool close_after) {
        if (closed_) return;
        close_after_write_ = close_after_write_ || close_after;
        if (!bytes.empty()) writes_.push_back(std::move(bytes));
        if (!writing_) write_next();
    }

    void write_next() {
        if (writes_.empty()) {
            if (close_after_write_) close();
            return;
        }
        writing_ = true;
        with_stream([this](auto& stream) {
            asio::async_write(stream, asio::buffer(writes_.front()),
                              [self = shared_from_this()](const error_code& ec, std::size_t) {
                                  self->writing_ = false;
                                  if (self->closed_) return;
                                  if (ec) return self->close();
                                  self->writes_.pop_front();
                                  self->write_next();
                              });
        });
    }

    Impl& owner_;
    tcp::socket socket_;
    std::optional<ssl::stream<tcp::socket&>> tls_;
    const std::size_t id_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::deque<std::string> writes_;
    bool writing_ = false;
    bool close_after_write_ = false;
    bool closed_ = false;
    int replies_owed_ = 0;
};

void FakeUpstream::Impl::accept() {
    acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
        if (ec) return;  // closed by stop()
        std::size_t id = 0;
        {
            std::lock_guard lock(mutex_);
            id = ++accepted_;
            max_open_ = std::max(max_open_, ++open_);
            changed_.notify_all();
        }
        auto session = std::make_shared<Session>(*this, std::move(socket), id);
        sessions_.emplace(session.get(), session);
        session->start();
        accept();
    });
}

std::size_t FakeUpstream::Impl::close_sessions(bool idle_only) {
    std::vector<std::shared_ptr<Session>> victims;
    for (const auto& [ptr, session] : sessions_) {
        if (!idle_only || session->idle()) victims.push_back(session);
    }
    for (const auto& session : victims) {
        if (idle_only) {
            session->close_when_flushed();
        } else {
            session->close();
        }
    }
    return victims.size();
}

// --- FakeUpstream ---------------------------------------------------------------------------------------------

FakeUpstream::FakeUpstream() : FakeUpstream(Handler{}) {}

FakeUpstream::FakeUpstream(Handler handler) : impl_(std::make_unique<Impl>(std::move(handler), nullptr)) {
    port_ = impl_->port();
}

FakeUpstream::FakeUpstream(Handler handler, const TlsIdentity& identity)
    : impl_(std::make_unique<Impl>(std::move(handler), &identity)) {
    port_ = impl_->port();
}

FakeUpstream::~FakeUpstream() = default;

std::string FakeUpstream::url(std::string_view target) const {
    return std::string(impl_->is_tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
           std::string(target);
}

void FakeUpstream::set_handler(Handler handler) {
    std::lock_guard lock(impl_->mutex_);
    impl_->handler_ = std::move(handler);
}

void FakeUpstream::push_reply(Reply reply) {
    std::lock_guard lock(impl_->mutex_);
    impl_->scripted_.push_back(std::move(reply));
}

std::size_t FakeUpstream::accepted_connections() const {
    std::lock_guard lock(impl_->mutex_);
    return impl_->accepted_;
}

std::size_t FakeUpstream::open_connections() const {
    std::lock_guard lock(impl_->mutex_);
    return impl_->open_;
}

std::size_t FakeUpstream::max_open_connections() const {
    std::lock_guard lock(impl_->mutex_);
    return impl_->max_open_;
}

std::size_t FakeUpstream::closed_connections() const {
    std::lock_guard lock(impl_->mutex_);
    return impl_->closed_;
}

std::size_t FakeUpstream::request_count() const {
    std::lock_guard lock(impl_->mutex_);
    return impl_->requests_.size();
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
    std::lock_guard lock(impl_->mutex_);
    return impl_->requests_;
}

bool FakeUpstream::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
    return impl_->wait(timeout, [&] { return impl_->requests_.size() >= n; });
}

bool FakeUpstream::wait_for_accepted(std::size_t n, std::chrono::milliseconds timeout) const {
    return impl_->wait(timeout, [&] { return impl_->accepted_ >= n; });
}

bool FakeUpstream::wait_for_closed(std::size_t n, std::chrono::milliseconds timeout) const {
    return impl_->wait(timeout, [&] { return impl_->closed_ >= n; });
}

std::size_t FakeUpstream::close_idle_connections() {
    const auto [closed_before, closing] = impl_->on_server_thread([this] {
        std::size_t before = 0;
        {
            std::lock_guard lock(impl_->mutex_);
            before = impl_->closed_;
        }
        return std::pair(before, impl_->close_sessions(true));
    });
    // Some finish writing their last reply first; return only once all are closed.
    wait_for_closed(closed_before + closing);
    return closing;
}

void FakeUpstream::stop() {
    impl_->stop();
}

// --- TLS identity ---------------------------------------------------------------------------------------------

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("make_self_signed_identity: ") + what);
}

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

TlsIdentity make_self_signed_identity() {
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    check(key != nullptr, "keygen");
    X509Ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        check(ext != nullptr, "extension");
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign");

    BioPtr cert_bio(BIO_new(BIO_s_mem()));
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "write cert");
    check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
    return {bio_string(cert_bio.get()), bio_string(key_bio.get())};
}

// --- FullBacklogListener --------------------------------------------------------------------------------------

namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
}

// For a listener, Linux reports the accept queue length in tcpi_unacked and its limit in tcpi_sacked.
bool accept_queue_full(int listener) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (getsockopt(listener, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return false;
    return info.tcpi_unacked > info.tcpi_sacked;
}

}  // namespace

FullBacklogListener::FullBacklogListener() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    check(listener_ >= 0, "socket");
    sockaddr_in addr = loopback(0);
    check(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
    check(::listen(listener_, 0) == 0, "listen");
    socklen_t len = sizeof addr;
    check(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0, "getsockname");
    port_ = ntohs(addr.sin_port);

    // Never accepted, each filler takes a queue slot. The poll timeout is only a guard against a kernel that
    // counts differently: a filler that cannot complete means the queue is already full.
    while (!accept_queue_full(listener_) && fillers_.size() < 64) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        check(fd >= 0, "socket");
        fillers_.push_back(fd);
        sockaddr_in target = loopback(port_);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0) continue;
        check(errno == EINPROGRESS, "connect");
        pollfd pfd{fd, POLLOUT, 0};
        if (::poll(&pfd, 1, 2000) != 1) break;
    }
}

FullBacklogListener::~FullBacklogListener() {
    for (int fd : fillers_) ::close(fd);
    if (listener_ >= 0) ::close(listener_);
}

}  // namespace vg::test
