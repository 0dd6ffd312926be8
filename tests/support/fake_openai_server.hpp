#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/headers.hpp"
#include "support/fake_upstream.hpp"

namespace vg::test {

// One scripted answer of FakeOpenAiServer. Build with a factory, then refine:
//   OpenAiReply::stream({"商", "品"}).with_usage(12, 2).hold_after(1, gate)
struct OpenAiReply {
    enum class Kind {
        kStream,    // SSE chat.completion.chunk events, one per piece, then finish_reason, usage, [DONE]
        kComplete,  // one JSON chat.completion, as a server that ignores `stream` answers
        kError,     // `status` with an OpenAI error body {"error": {"message", "type", "code"}}
        kRaw,       // `body` verbatim as an event stream (for malformed streams)
        kStall,     // read the request, never answer
    };
    Kind kind = Kind::kStream;
    std::vector<std::string> pieces;
    std::string finish_reason = "stop";
    std::optional<std::pair<int, int>> usage;  // prompt_tokens, completion_tokens
    int status = 200;
    std::string body;  // kError: the message; kRaw: the event stream
    std::vector<std::pair<std::string, std::string>> headers;
    std::size_t split_bytes = 0;          // 0: each event is one HTTP chunk; n: the stream is cut every n bytes
    std::optional<std::size_t> close_at;  // close the connection after this many pieces (no end, no [DONE])
    std::optional<std::size_t> hold_at;   // send this many pieces, then wait for `hold_gate`
    std::shared_ptr<Gate> hold_gate;
    std::shared_ptr<Gate> start_gate;  // nothing at all is sent until it opens
    bool send_done = true;             // end with data: [DONE]

    static OpenAiReply stream(std::vector<std::string> pieces);
    static OpenAiReply complete(std::string content);
    static OpenAiReply error(int status, std::string message);
    static OpenAiReply raw_events(std::string event_stream);
    static OpenAiReply stall();

    OpenAiReply& with_usage(int prompt_tokens, int completion_tokens);
    OpenAiReply& with_finish_reason(std::string reason);
    OpenAiReply& header(std::string name, std::string value);
    OpenAiReply& split_every(std::size_t bytes);
    OpenAiReply& close_after(std::size_t pieces_sent);
    OpenAiReply& hold_after(std::size_t pieces_sent, std::shared_ptr<Gate> gate);
    OpenAiReply& after(std::shared_ptr<Gate> gate);
    OpenAiReply& without_done();
};

// A request as the fake received it.
struct ChatRequestRecord {
    std::string method;
    std::string target;
    net::Headers headers;
    std::string body;
    nlohmann::json json;  // the parsed body; discarded (is_discarded()) when it is not JSON
};

// An OpenAI-compatible upstream for tests: POST /v1/chat/completions on 127.0.0.1, port 0, answered by the
// scripted replies in order, then by the default reply (a stream of "ok"). It checks nothing about what it is
// sent (tests assert on requests()), so it doubles as a wire-format recorder and a fault injector; it is not a
// model. Built on FakeUpstream, whose connection counters tell when a client hung up. Thread-safe.
class FakeOpenAiServer {
public:
    FakeOpenAiServer();
    FakeOpenAiServer(const FakeOpenAiServer&) = delete;
    FakeOpenAiServer& operator=(const FakeOpenAiServer&) = delete;

    // "http://127.0.0.1:<port>": what a RemoteEngineConfig::url takes.
    std::string base_url() const;

    void push(OpenAiReply reply);
    void set_default(OpenAiReply reply);

    std::vector<ChatRequestRecord> requests() const;
    std::size_t request_count() const { return upstream_.request_count(); }
    bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = kDefaultWait) const {
        return upstream_.wait_for_requests(n, timeout);
    }
    // Connections closed, by either side; `n` once a client has hung up.
    bool wait_for_disconnects(std::size_t n, std::chrono::milliseconds timeout = kDefaultWait) const {
        return upstream_.wait_for_closed(n, timeout);
    }
    std::size_t disconnects() const { return upstream_.closed_connections(); }

    FakeUpstream& upstream() { return upstream_; }

private:
    Reply answer(const RecordedRequest& request);

    mutable std::mutex mutex_;
    std::deque<OpenAiReply> scripted_;
    OpenAiReply default_reply_;
    FakeUpstream upstream_;  // last: its thread calls answer() until it is destroyed
};

}  // namespace vg::test
