#include "engine/remote/remote_call.hpp"

#include <stdexcept>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "engine/remote/upstream_error.hpp"

namespace vg::engine {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

RemoteCall::RemoteCall(InferenceCallbacks callbacks, Context context)
    : callbacks_(std::move(callbacks)), context_(std::move(context)) {
    context_.state->in_flight.fetch_add(1, std::memory_order_relaxed);
}

void RemoteCall::start(net::HttpClient& client, net::ClientRequest request, double image_encode_ms,
                       std::string timeout_limit) {
    {
        std::lock_guard lock(mutex_);
        sent_at_ = Clock::now();
        image_encode_ms_ = image_encode_ms;
        timeout_limit_ = std::move(timeout_limit);
    }
    request.on_body_chunk = [self = shared_from_this()](std::string_view bytes) { self->on_body(bytes); };
    std::shared_ptr<net::CallHandle> handle;
    try {
        handle = client.send(std::move(request), [self = shared_from_this()](net::ClientResult result) {
            self->on_response(std::move(result));
        });
    } catch (const std::exception& e) {
        // A header value we could not send (a request id with a line break): our bug, not the upstream's.
        std::lock_guard lock(mutex_);
        return finish_error(
            {"internal_error", std::string("could not send the upstream request: ") + e.what(), 500, 0});
    }
    bool stop = false;
    {
        std::lock_guard lock(http_mutex_);
        http_ = handle;
        stop = stop_requested_;
    }
    // cancel() or a failed stream may have come first, from a callback on an io thread.
    if (stop) handle->cancel();
}

void RemoteCall::fail(InferenceError error) {
    std::lock_guard lock(mutex_);
    finish_error(std::move(error));
}

void RemoteCall::cancel() {
    cancel_requested_.store(true, std::memory_order_release);
    // The HTTP result (kCancelled, or whatever came first) reports the end; that keeps it on one path.
    stop_http();
}

void RemoteCall::stop_http() {
    std::shared_ptr<net::CallHandle> handle;
    {
        std::lock_guard lock(http_mutex_);
        stop_requested_ = true;
        handle = http_;
    }
    if (handle) handle->cancel();
}

void RemoteCall::on_body(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    if (finished_ || cancel_requested_.load(std::memory_order_acquire)) return;
    apply(reader_.push(bytes));
    // Throwing ends the HTTP call from inside its own callback, so its connection is dropped even when
    // the handle stop_http() needs is not stored yet (the first chunk can beat send()'s return) or the
    // response would otherwise complete and its connection go back to the pool.
    if (abandoned_) throw std::runtime_error("stream abandoned");
}

void RemoteCall::on_response(net::ClientResult result) {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    if (cancel_requested_.load(std::memory_order_acquire)) return finish_error(cancelled_error());
    const int status = result.response.status;
    if (status != 0 && status / 100 != 2) {
        // The body went to on_body like any other; the reader kept it since it was no event stream.
        return finish_error(error_for_status(status, reader_.unstreamed_body(), result.response.headers));
    }
    if (!result.ok()) return finish_error(error_for(result));
    apply(reader_.finish());
}

InferenceError RemoteCall::error_for(const net::ClientResult& result) const {
    if (context_.state->stopping.load(std::memory_order_acquire)) {
        return {"upstream_unavailable", "the remote engine is shutting down", 503, 1};
    }
    if (result.error == net::ClientErrorKind::kTimeout) {
        return {"upstream_timeout", "no complete answer from upstream within " + timeout_limit_, 504, 0};
    }
    if (result.error == net::ClientErrorKind::kClosed && result.response_started) {
        return {"upstream_error", "upstream closed the connection before the answer was complete", 502, 0};
    }
    return error_for_transport(result.error, result.error_message);
}

void RemoteCall::apply(ChatStreamReader::Progress progress) {
    if (!progress.text.empty()) emit(progress.text);
    if (finished_) return;  // on_text threw
    if (progress.error) {
        finish_error(std::move(*progress.error));
        abandoned_ = true;
        stop_http();  // nothing more we could use can come on this connection
    } else if (progress.done) {
        // Not stop_http(): the response ends by itself right after [DONE], and its connection can be reused.
        finish_done();
    }
}

void RemoteCall::emit(const std::string& text) {
    if (!got_text_) {
        got_text_ = true;
        first_text_at_ = Clock::now();
    }
    if (!callbacks_.on_text) return;
    try {
        callbacks_.on_text(text);
    } catch (const std::exception& e) {
        context_.log.error(context_.request_id, "on_text threw; abandoning the request", json{{"error", e.what()}});
        finish_error({"internal_error", std::string("output callback failed: ") + e.what(), 500, 0});
        abandoned_ = true;
        stop_http();
    }
}

void RemoteCall::finish_done() {
    finished_ = true;
    context_.state->in_flight.fetch_sub(1, std::memory_order_relaxed);
    const auto now = Clock::now();
    InferenceResult result;
    result.text = reader_.text();
    result.finish_reason = reader_.finish_reason();
    result.usage.image_tokens = context_.image_tokens;
    // Estimates for upstreams that report no usage: the images we know of, one token per streamed piece.
    result.usage.prompt_tokens = reader_.prompt_tokens().value_or(context_.image_tokens);
    result.usage.completion_tokens = reader_.completion_tokens().value_or(reader_.pieces());
    result.timings.image_encode_ms = image_encode_ms_;
    const auto first = got_text_ ? first_text_at_ : now;
    result.timings.prefill_ms = ms_between(sent_at_, first);
    result.timings.decode_ms = ms_between(first, now);
    context_.log.debug(context_.request_id, "remote inference done",
                       json{{"completion_tokens", result.usage.completion_tokens},
                            {"finish_reason", result.finish_reason},
                            {"prefill_ms", result.timings.prefill_ms},
                            {"decode_ms", result.timings.decode_ms}});
    if (!callbacks_.on_done) return;
    try {
        callbacks_.on_done(std::move(result));
    } catch (const std::exception& e) {
        context_.log.error(context_.request_id, "on_done threw", json{{"error", e.what()}});
    }
}

void RemoteCall::finish_error(InferenceError error) {
    finished_ = true;
    context_.state->in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (error.code != "cancelled") {
        context_.log.warn(context_.request_id, "remote inference failed",
                          json{{"code", error.code}, {"status", error.http_status}, {"message", error.message}});
    }
    if (!callbacks_.on_error) return;
    try {
        callbacks_.on_error(std::move(error));
    } catch (const std::exception& e) {
        context_.log.error(context_.request_id, "on_error threw", json{{"error", e.what()}});
    }
}

}  // namespace vg::engine
