#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vg::cli {

// Why a transfer produced no complete response; scripts get a different exit code for each.
enum class TransferFailure {
    kNone,
    kUnreachable,  // DNS failed, the connection was refused or could not be made in time
    kTimeout,      // connected, but the answer took longer than allowed (or stalled)
    kInterrupted,  // the connection broke mid-answer
    kAborted,      // our own callback stopped it
    kOther,        // TLS, protocol, bad URL, ...
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // sent when not empty (or when method is POST)
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds timeout{0};  // the whole exchange; 0: no limit
    // Abort when fewer than `low_speed_bytes` per second arrive for `low_speed_time` (a stalled download).
    long low_speed_bytes = 0;
    std::chrono::seconds low_speed_time{0};
    bool follow_redirects = true;
    std::size_t max_body = 64u << 20;  // when collecting the body (no sink): a larger answer fails (kOther)
};

struct HttpResponse {
    long status = 0;                                           // 0 when no response arrived
    std::vector<std::pair<std::string, std::string>> headers;  // of the final response (after redirects)
    std::string body;                                          // collected when no body sink was given
    TransferFailure failure = TransferFailure::kNone;
    std::string error;  // why, in words (libcurl's message), when failure != kNone
    std::string host;   // the host of the request's URL, for messages

    bool ok() const { return failure == TransferFailure::kNone; }
    std::optional<std::string> header(std::string_view name) const;  // case-insensitive, the last one
};

// Called once the final response's status and headers are known, before any body byte; false aborts.
using ResponseStart = std::function<bool(const HttpResponse& head)>;
// Called with each piece of the body; false aborts.
using BodySink = std::function<bool(std::string_view bytes)>;

// One libcurl easy handle: requests made one after another reuse its connection. Not thread-safe: use one
// per thread. init_http() must have run first.
class HttpSession {
public:
    HttpSession();
    ~HttpSession();
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    // Without a sink the body is collected into the response (up to request.max_body).
    HttpResponse perform(const HttpRequest& request, const ResponseStart& on_start = {}, const BodySink& sink = {});

private:
    void* curl_;
};

// libcurl's global set-up; call once before any thread is started (idempotent).
void init_http();

// "cannot reach HOST: ERROR (offline?)" and the like: one sentence for a failed transfer.
std::string describe_failure(const HttpResponse& response);

// The host part of a URL, or the URL itself when it cannot be parsed.
std::string url_host(const std::string& url);

}  // namespace vg::cli
