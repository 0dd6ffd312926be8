#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "net/headers.hpp"

// Many translation units include this header: keep Asio and Beast out of it.
namespace boost::asio {
class io_context;
}

namespace vg::net {

namespace detail {
class Call;
}

struct ClientConfig {
    std::size_t max_connections_per_host = 100;
    std::chrono::milliseconds connect_timeout{2000};  // resolve + TCP connect + TLS handshake
    std::chrono::milliseconds idle_timeout{30000};
    // Applies to accumulated bodies; a streamed body (ClientRequest::on_body_chunk) is unbounded.
    std::size_t max_response_body_bytes = std::size_t{64} * 1024 * 1024;
    std::size_t max_pending_per_host = 10000;
    bool verify_tls = true;
    std::string ca_file;  // extra CAs (PEM) on top of the system store
    std::string user_agent = "visiongrid";
};

struct ClientResponse {
    int status = 0;
    Headers headers;
    std::string body;
};

struct ClientRequest {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    // Overall deadline, including the wait for a pooled connection.
    std::chrono::milliseconds timeout{30000};
    // If set, the response body is streamed to it as it arrives (on an io thread) instead of being accumulated.
    // It may call CallHandle::cancel() to stop the stream; if it throws, the call ends with kCancelled.
    std::function<void(std::string_view chunk)> on_body_chunk;
    // Streaming only: called once with the status and headers (empty body) before the first chunk, so a proxy can
    // start its own response. It may cancel the call; if it throws, the call ends with kCancelled.
    std::function<void(const ClientResponse& head)> on_response_head;
};


enum class ClientErrorKind {
    kNone,
    kConnectFailed,     // resolve or TCP connect failed
    kConnectTimeout,    // resolve + connect + TLS handshake exceeded connect_timeout
    kTimeout,           // the request's overall deadline passed
    kCancelled,         // CallHandle::cancel(), or on_body_chunk threw
    kProtocol,          // the response could not be parsed
    kResponseTooLarge,  // body above max_response_body_bytes
    kPoolExhausted,     // max_pending_per_host calls already waiting for a connection
    kTls,               // TLS handshake or certificate verification failed
    kClosed,            // the peer closed or reset the connection mid-exchange, or the client was shut down
};

std::string_view to_string(ClientErrorKind kind);

struct ClientResult {
    ClientErrorKind error = ClientErrorKind::kNone;
    std::string error_message;
    // True once any request byte may have reached the wire (on any attempt): a retry is only safe while false
    // or for idempotent requests.
    bool request_sent = false;
    bool response_started = false;
    // On failure, status and headers are kept if they had arrived.
    ClientResponse response;

    bool ok() const { return error == ClientErrorKind::kNone; }
};

// Returned by HttpClient::send. Holding it does not keep the call alive; dropping it does not cancel.
class CallHandle {
public:
    explicit CallHandle(std::weak_ptr<detail::Call> call) : call_(std::move(call)) {}
    // Thread-safe. Aborts the call promptly (closing its connection if the request is in flight, or leaving the
    // wait queue); on_done gets kCancelled unless the call had already completed. A no-op after completion.
    void cancel();

private:
    std::weak_ptr<detail::Call> call_;
};

// A pooled asynchronous HTTP/1.1 client, one pool of keep-alive connections per scheme+host+port.
// Thread-safe: every member may be called from any thread. All I/O and every callback run on the io_context
// given at construction, which must outlive the client.
class HttpClient {
public:
    // Throws std::runtime_error if config.ca_file cannot be loaded.
    HttpClient(boost::asio::io_context& io, ClientConfig config);
    // shutdown(): calls still in flight complete with kClosed on the io_context afterwards, so whatever their
    // on_done refers to must outlive the client (or the io_context must be stopped first).
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // on_done is called exactly once, on an io thread, never inline. A bad URL, method or header is a caller bug
    // and throws vg::ClientError ("invalid_url", "invalid_request") here, before anything is queued.
    std::shared_ptr<CallHandle> send(ClientRequest request, std::function<void(ClientResult)> on_done);
    std::future<ClientResult> send(ClientRequest request);

    // Connections open or opening, over all hosts, and those of them idle in a pool.
    std::size_t open_connections() const;
    std::size_t idle_connections() const;

    // Closes every connection; waiting and in-flight calls (and later sends) complete with kClosed.
    void shutdown();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vg::net
