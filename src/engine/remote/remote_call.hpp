#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/logging.hpp"
#include "engine/inference.hpp"
#include "engine/remote/chat_stream_reader.hpp"
#include "net/http_client.hpp"

namespace vg::engine {

// What the calls of one RemoteEngine share with it. Shared, not referenced: an InferenceHandle may outlive the
// engine.
struct RemoteEngineState {
    std::atomic<int> in_flight{0};
    std::atomic<bool> stopping{false};
};

// One request to the upstream, from send to the single on_done/on_error: turns body bytes into on_text calls
// and the HTTP outcome into a result or an InferenceError.
// Thread-safe: body chunks arrive on the connection's strand, the HTTP result and cancel() on any thread; a mutex
// orders them, and user callbacks run under it, so on_text never follows the end. cancel() takes no lock, so
// callbacks may call it.
class RemoteCall final : public InferenceHandle, public std::enable_shared_from_this<RemoteCall> {
public:
    struct Context {
        std::string request_id;
        Logger log;
        std::shared_ptr<RemoteEngineState> state;
        int image_tokens = 0;  // our estimate for the request's images (Usage::image_tokens)
    };

    RemoteCall(InferenceCallbacks callbacks, Context context);

    // Sends `request` (its on_body_chunk is set here). At most once; not after fail(). `timeout_limit` names what
    // set request.timeout, for the message if it passes.
    void start(net::HttpClient& client, net::ClientRequest request, double image_encode_ms, std::string timeout_limit);
    // Ends a call that never started (bad request, deadline already passed).
    void fail(InferenceError error);

    void cancel() override;

private:
    void on_body(std::string_view bytes);
    void on_response(net::ClientResult result);
    void apply(ChatStreamReader::Progress progress);
    InferenceError error_for(const net::ClientResult& result) const;

    // These three need mutex_ held.
    void emit(const std::string& text);
    void finish_done();
    void finish_error(InferenceError error);

    // Aborts the HTTP call now, or as soon as start() has it.
    void stop_http();

    InferenceCallbacks callbacks_;
    const Context context_;

    std::mutex mutex_;
    bool finished_ = false;
    bool abandoned_ = false;  // the stream failed or our consumer did: the connection is not worth keeping
    ChatStreamReader reader_;
    std::chrono::steady_clock::time_point sent_at_;
    std::chrono::steady_clock::time_point first_text_at_;
    bool got_text_ = false;
    double image_encode_ms_ = 0;
    std::string timeout_limit_;

    std::atomic<bool> cancel_requested_{false};
    std::mutex http_mutex_;  // only around http_ and stop_requested_: never held while calling out
    std::shared_ptr<net::CallHandle> http_;
    bool stop_requested_ = false;
};

}  // namespace vg::engine
