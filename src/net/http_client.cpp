#include "net/http_client.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cctype>
#include <stdexcept>
#include <unordered_map>

#include "core/error.hpp"
#include "net/detail/client_call.hpp"
#include "net/detail/client_pool.hpp"
#include "net/url.hpp"

namespace vg::net {
namespace {

namespace asio = boost::asio;

bool is_token_char(char c) {
    static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || kSpecials.find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

// CR, LF or NUL in a field value would let a caller smuggle extra headers or a second request.
bool is_safe_value(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void validate(const ClientRequest& request) {
    if (!is_token(request.method)) throw ClientError("invalid_request", "invalid HTTP method '" + request.method + "'");
    for (const auto& [name, value] : request.headers) {
        if (!is_token(name)) throw ClientError("invalid_request", "invalid header name '" + name + "'");
        if (!is_safe_value(value)) throw ClientError("invalid_request", "invalid value for header '" + name + "'");
    }
}

std::shared_ptr<asio::ssl::context> make_tls_context(const ClientConfig& config) {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    if (!config.verify_tls) {
        tls->set_verify_mode(asio::ssl::verify_none);
        return tls;
    }
    tls->set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    // Without a system store only ca_file can vouch for a server; verification failures will say so.
    tls->set_default_verify_paths(ec);
    if (!config.ca_file.empty()) {
        tls->load_verify_file(config.ca_file, ec);
        if (ec) throw std::runtime_error("http client: cannot load ca_file '" + config.ca_file + "': " + ec.message());
    }
    return tls;
}

}  // namespace

std::string_view to_string(ClientErrorKind kind) {
    switch (kind) {
        case ClientErrorKind::kNone: return "none";
        case ClientErrorKind::kConnectFailed: return "connect_failed";
        case ClientErrorKind::kConnectTimeout: return "connect_timeout";
        case ClientErrorKind::kTimeout: return "timeout";
        case ClientErrorKind::kCancelled: return "cancelled";
        case ClientErrorKind::kProtocol: return "protocol";
        case ClientErrorKind::kResponseTooLarge: return "response_too_large";
        case ClientErrorKind::kPoolExhausted: return "pool_exhausted";
        case ClientErrorKind::kTls: return "tls";
        case ClientErrorKind::kClosed: return "closed";
    }
    return "unknown";
}

void CallHandle::cancel() {
    if (auto call = call_.lock()) call->abort(ClientErrorKind::kCancelled, "cancelled by caller");
}

class HttpClient::Impl {
public:
    Impl(asio::io_context& io, ClientConfig config)
        : io_(io), config_(std::make_shared<const ClientConfig>(std::move(config))) {
        // Loading the system CA store costs tens of milliseconds: only clients that speak TLS pay it, on first
        // use, unless there is a ca_file to check now.
        if (!config_->ca_file.empty()) tls_ = make_tls_context(*config_);
    }

    // Pools are never removed: a client talks to a bounded set of origins, and an empty pool is a few pointers.
    std::shared_ptr<detail::HostPool> pool_for(const Url& url) {
        std::lock_guard lock(mutex_);
        auto& pool = pools_[url.origin()];
        if (!pool) {
            if (url.is_tls() && !tls_) tls_ = make_tls_context(*config_);
            pool = std::make_shared<detail::HostPool>(io_, url, config_, url.is_tls() ? tls_ : nullptr);
            if (closed_) pool->shutdown();
        }
        return pool;
    }

    template <class F>
    std::size_t sum(F&& count) const {
        std::lock_guard lock(mutex_);
        std::size_t total = 0;
        for (const auto& [origin, pool] : pools_) total += count(*pool);
        return total;
    }

    void shutdown() {
        std::vector<std::shared_ptr<detail::HostPool>> pools;
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
            for (const auto& [origin, pool] : pools_) pools.push_back(pool);
        }
        for (const auto& pool : pools) pool->shutdown();
    }

    asio::io_context& io_;
    const std::shared_ptr<const ClientConfig> config_;

private:
    mutable std::mutex mutex_;
    std::shared_ptr<asio::ssl::context> tls_;  // created with the first https pool
    bool closed_ = false;
    std::unordered_map<std::string, std::shared_ptr<detail::HostPool>> pools_;
};

HttpClient::HttpClient(boost::asio::io_context& io, ClientConfig config)
    : impl_(std::make_unique<Impl>(io, std::move(config))) {}

HttpClient::~HttpClient() {
    shutdown();
}

std::shared_ptr<CallHandle> HttpClient::send(ClientRequest request, std::function<void(ClientResult)> on_done) {
    Url url = parse_url(request.url);
    validate(request);
    auto pool = impl_->pool_for(url);
    auto call =
        std::make_shared<detail::Call>(impl_->io_, pool, std::move(request), std::move(url), std::move(on_done));
    call->start_deadline();
    pool->submit(call);
    return std::make_shared<CallHandle>(call);
}

std::future<ClientResult> HttpClient::send(ClientRequest request) {
    auto promise = std::make_shared<std::promise<ClientResult>>();
    auto future = promise->get_future();
    send(std::move(request), [promise](ClientResult result) { promise->set_value(std::move(result)); });
    return future;
}

std::size_t HttpClient::open_connections() const {
    return impl_->sum([](const detail::HostPool& pool) { return pool.open_connections(); });
}

std::size_t HttpClient::idle_connections() const {
    return impl_->sum([](const detail::HostPool& pool) { return pool.idle_connections(); });
}

void HttpClient::shutdown() {
    impl_->shutdown();
}

}  // namespace vg::net
