#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engine/inference.hpp"
#include "engine/remote/sse_parser.hpp"
#include "engine/text/utf8_stream.hpp"

namespace vg::engine {

// Reads the body of a /v1/chat/completions answer as its bytes arrive: the SSE stream of chat.completion.chunk
// objects we ask for, or, from servers that ignore `stream`, one chat.completion object. The HTTP status is not
// known until the body has ended, so the reader also keeps the start of a body that is not an event stream, for
// the error message of a non-2xx answer.
// Not thread-safe: one per request.
class ChatStreamReader {
public:
    // What one push or finish produced.
    struct Progress {
        std::string text;                     // output to pass on: whole, valid UTF-8 characters
        bool done = false;                    // the answer is complete
        std::optional<InferenceError> error;  // the stream is malformed (502 upstream_protocol) or reported an error
    };

    // Enough for any real non-streamed answer; error bodies only need their start.
    static constexpr std::size_t kMaxUnstreamedBytes = std::size_t{16} * 1024 * 1024;

    Progress push(std::string_view bytes);
    // The HTTP response ended with a 2xx status: completes the answer, or says why it is incomplete.
    Progress finish();

    // After done or error, later pushes and finish() return nothing.
    bool ended() const { return ended_; }
    // Everything passed on as Progress::text so far.
    const std::string& text() const { return text_; }
    // "length" when the upstream stopped at max_tokens, otherwise "stop".
    std::string finish_reason() const { return finish_reason_ == "length" ? "length" : "stop"; }
    std::optional<int> prompt_tokens() const { return prompt_tokens_; }
    std::optional<int> completion_tokens() const { return completion_tokens_; }
    // Non-empty content deltas received: a token count estimate for upstreams that send no usage.
    int pieces() const { return pieces_; }
    // The body so far if no event has been seen (capped at kMaxUnstreamedBytes).
    const std::string& unstreamed_body() const { return unstreamed_; }

private:
    void on_event(const SseEvent& event, Progress& progress);
    void on_chunk(const nlohmann::json& chunk, Progress& progress);
    void on_completion(Progress& progress);
    void take_usage(const nlohmann::json& object);
    void take_content(const nlohmann::json& content, Progress& progress);
    void complete(Progress& progress);
    void fail(InferenceError error, Progress& progress);
    void protocol_error(const std::string& problem, Progress& progress);

    SseParser sse_;
    Utf8Stream utf8_;
    std::string text_;
    std::string unstreamed_;
    bool unstreamed_overflow_ = false;
    bool saw_event_ = false;
    bool ended_ = false;
    std::string finish_reason_;
    std::optional<int> prompt_tokens_;
    std::optional<int> completion_tokens_;
    int pieces_ = 0;
};

}  // namespace vg::engine
