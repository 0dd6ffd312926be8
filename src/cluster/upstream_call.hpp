#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cluster/retry.hpp"
#include "net/http_client.hpp"

namespace vg::cluster {

class UpstreamPool;

// Header carrying the caller's remaining time to the upstream, so it can give up when we do.
inline constexpr const char* kTimeoutHeader = "X-VisionGrid-Timeout-Ms";

struct UpstreamRequest {
    std::string method = "GET";
    std::string target;  // path + query, sent to whichever instance is chosen
    net::Headers headers;
    std::string body;
    std::string affinity_key;  // consistent hashing key (e.g. the image hash); empty when none
    std::chrono::steady_clock::time_point deadline;  // overall, retries and backoff included
    RetryConfig retry;
    // The final response, streamed: on_head once (status and headers) and then its body in pieces.
    // Responses that will be retried are never shown. Called on an I/O thread; must not block.
    std::function<void(const net::ClientResponse& head)> on_head;
    std::function<void(std::string_view chunk)> on_chunk;
};

struct UpstreamResult {
    net::ClientResult result;  // of the last attempt (its body is empty: it went to on_chunk)
    std::string instance;      // the instance of the last attempt; empty when none was available
    int attempts = 0;
    // Empty on success (any status the upstream answered with, delivered through on_head); otherwise
    // why no response could be delivered: no_healthy_upstream, upstream_timeout, upstream_unreachable,
    // upstream_failed (the stream broke after the head was delivered), cancelled.
    std::string error;
    bool head_delivered = false;
};

// Cancels the call (client went away). Thread-safe; a no-op once it is done.
class UpstreamCallHandle {
public:
    virtual ~UpstreamCallHandle() = default;
    virtual void cancel() = 0;
};

// Sends one request to `pool`: picks an instance, sends with a per-try timeout bounded by the
// deadline, and retries on another instance with backoff when the failure allows it (retry.hpp:
// only when the upstream cannot have acted on it unless idempotent; never after the head was
// delivered; within the pool's retry budget). Feeds every outcome to the pool's breakers and
// outlier detection. The call keeps `pool` alive until it ends. on_done is called exactly once, on an
// I/O thread. Thread-safe.
std::shared_ptr<UpstreamCallHandle> send_upstream(std::shared_ptr<UpstreamPool> pool, UpstreamRequest request,
                                                  std::function<void(UpstreamResult)> on_done);

}  // namespace vg::cluster
