#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "net/headers.hpp"
#include "obs/trace_context.hpp"

namespace vg::net {

// One parsed HTTP request as handlers see it. The body is complete (size-limited per route).
struct Request {
    std::string method;
    std::string target;  // as sent: path + query
    std::string path;    // percent-decoded
    std::string query;   // raw, without '?'
    Headers headers;
    std::string body;
    std::map<std::string, std::string> path_params;  // from "{name}" segments of the route
    std::string route;                               // the matched pattern, for metrics and logs
    std::string request_id;                          // X-Request-Id if acceptable, else generated
    obs::TraceContext trace;                         // incoming traceparent; empty ids when there was none
    std::string remote_address;
    std::chrono::steady_clock::time_point received_at;

    // Percent-decoded value of a query parameter, nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
    std::string_view header(std::string_view name) const { return headers.get_or(name, ""); }
    // The trace this request belongs to, started here when the client sent none.
    const obs::TraceContext& trace_context() {
        if (trace.trace_id.empty()) trace = obs::TraceContext::generate();
        return trace;
    }
    const std::string& trace_id() { return trace_context().trace_id; }
    // Media type of the body without parameters, lowercased ("application/json").
    std::string content_type() const;
};

// On a 503: the service refused the request without acting on it because it is at capacity (a "nack",
// as Finagle calls it). It is alive and answering, so a caller should neither count the refusal as the
// instance failing (circuit breaker, outlier ejection) nor send it the same request again before
// Retry-After; another instance may take it at once.
inline constexpr const char* kOverloadedHeader = "X-VisionGrid-Overloaded";

struct Response {
    int status = 200;
    Headers headers;
    std::string body;

    static Response json(int status, const nlohmann::json& body);
    static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
    // The platform's error body {"error": {"code", "message", "request_id"}}; 429/503 get Retry-After.
    static Response error(int status, const std::string& code, const std::string& message, const std::string& request_id,
                          int retry_after_seconds = 0);
    // A 503 error marked with kOverloadedHeader.
    static Response overloaded(const std::string& code, const std::string& message, const std::string& request_id,
                               int retry_after_seconds = 1);
};

// A response sent in pieces (chunked transfer encoding): Server-Sent Events, streamed bodies.
// Thread-safe; write() may be called from any thread.
class ResponseStream {
public:
    virtual ~ResponseStream() = default;
    // Queues bytes for the client; false once the client has gone (stop producing then).
    virtual bool write(std::string data) = 0;
    // Ends the response; further writes are ignored.
    virtual void finish() = 0;
    // Ends it as broken (the producer failed midway): what was written goes out, then the connection
    // closes without the final chunk, so the client can tell the body is incomplete.
    virtual void abort() = 0;
};

// The server side of one request/response. A handler answers exactly once: respond() or stream().
// Thread-safe: handlers may answer later from any thread (e.g. an inference loop).
class Exchange {
public:
    virtual ~Exchange() = default;
    virtual void respond(Response response) = 0;
    virtual std::shared_ptr<ResponseStream> stream(int status, Headers headers) = 0;
    // Runs `callback` (once, on an I/O thread) if the client disconnects before the answer is complete.
    // Runs it at once if that already happened.
    virtual void on_cancel(std::function<void()> callback) = 0;
    virtual bool cancelled() const = 0;
};

using Handler = std::function<void(Request& request, std::shared_ptr<Exchange> exchange)>;
using SyncHandler = std::function<Response(Request& request)>;

// Adapts a handler that answers at once.
Handler sync_handler(SyncHandler handler);

// What an outgoing call made on behalf of `request` must carry: its W3C trace (same trace id, a new
// span id for this hop) and its request id, so logs of every service line up.
void propagate_context(Request& request, Headers& outgoing);

// Decodes %XX (and '+' as space when `plus_is_space`); invalid escapes are kept literally.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace vg::net
