#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "net/headers.hpp"

namespace vg::test {

// Generous: a wait that times out means the test failed, so it must never be what makes a test pass.
inline constexpr std::chrono::milliseconds kDefaultWait{10000};

struct RecordedRequest {
    std::string method;
    std::string target;
    net::Headers headers;
    std::string body;
    std::size_t connection = 0;  // 1-based, in accept order
};

// A latch the test opens once; replies held behind it go out then. Thread-safe.
class Gate {
public:
    void open();
    bool is_open() const;
    // Runs `f` at once if open, otherwise on the thread that calls open().
    void on_open(std::function<void()> f);

private:
    mutable std::mutex mutex_;
    bool open_ = false;
    std::vector<std::function<void()>> waiters_;
};

// A chunked response body the test writes piece by piece, each piece as one chunk on the wire. Writes made
// before the request arrives are buffered. Thread-safe.
class ChunkedBody {
public:
    void write(std::string_view data);  // an empty piece is ignored: it would end the body
    void finish();                      // the last chunk
    void abort();                       // closes the connection mid-body

    // For FakeUpstream: where the encoded bytes go; `close` asks for the connection to be closed after them.
    using Sink = std::function<void(std::string bytes, bool close)>;
    void attach(Sink sink);

private:
    void emit(std::string bytes, bool close);

    std::mutex mutex_;
    Sink sink_;
    std::string pending_;
    bool pending_close_ = false;
};

// What the fake does with one request. Build with the factories, then refine:
//   Reply::respond(503, "busy").header("Retry-After", "1").after(gate)
struct Reply {
    enum class Action {
        kRespond,  // status, headers, body (Content-Length added unless a framing header is given)
        kStream,   // status, headers, then a chunked body driven through `stream`
        kStall,    // read the request, never answer, keep the connection open
        kClose,    // close the connection without answering
        kReset,    // reset the connection (RST) without answering
        kRaw,      // write `raw` verbatim: for malformed responses
    };
    Action action = Action::kRespond;
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string raw;
    std::shared_ptr<ChunkedBody> stream;
    std::shared_ptr<Gate> gate;  // if set, nothing happens until it opens
    bool close_after = false;    // close once written, without a Connection: close header (a "rude" server)

    static Reply respond(int status, std::string body = {});
    static Reply ok(std::string body = "ok") { return respond(200, std::move(body)); }
    static Reply streamed(std::shared_ptr<ChunkedBody> body, int status = 200);
    static Reply stall();
    static Reply close();
    static Reply reset();
    static Reply raw_bytes(std::string bytes);

    Reply& header(std::string name, std::string value);
    Reply& after(std::shared_ptr<Gate> g);
    Reply& then_close();
};

// A PEM certificate and key, self-signed, for a TLS FakeUpstream; valid for DNS "localhost" and IP 127.0.0.1.
struct TlsIdentity {
    std::string cert_pem;
    std::string key_pem;
};
TlsIdentity make_self_signed_identity();

// A scriptable HTTP/1.1 server on 127.0.0.1, port 0, with its own thread: a stand-in for any upstream in tests.
// Each request is answered by the next scripted reply (push_reply), else by the handler (default: 200 "ok").
// It never pipelines: one request per connection is answered before the next is read. Thread-safe.
class FakeUpstream {
public:
    using Handler = std::function<Reply(const RecordedRequest&)>;

    FakeUpstream();
    explicit FakeUpstream(Handler handler);
    // Serves HTTPS with `identity`.
    FakeUpstream(Handler handler, const TlsIdentity& identity);
    ~FakeUpstream();
    FakeUpstream(const FakeUpstream&) = delete;
    FakeUpstream& operator=(const FakeUpstream&) = delete;

    std::uint16_t port() const { return port_; }
    // "http://127.0.0.1:<port>" + target (https when serving TLS).
    std::string url(std::string_view target = "/") const;

    // The handler runs on the server's thread.
    void set_handler(Handler handler);
    void push_reply(Reply reply);

    std::size_t accepted_connections() const;
    std::size_t open_connections() const;
    std::size_t max_open_connections() const;  // high-water mark of open_connections()
    std::size_t closed_connections() const;
    std::size_t request_count() const;
    std::vector<RecordedRequest> requests() const;

    // Block until the count reaches `n`; false on timeout.
    bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = kDefaultWait) const;
    bool wait_for_accepted(std::size_t n, std::chrono::milliseconds timeout = kDefaultWait) const;
    bool wait_for_closed(std::size_t n, std::chrono::milliseconds timeout = kDefaultWait) const;

    // Closes, server-side, every connection idle between requests (as a keep-alive timeout would); returns how
    // many. Blocks until done.
    std::size_t close_idle_connections();
    // Stops accepting and closes everything; idempotent, also done by the destructor.
    void stop();

    class Impl;  // public only so that the server's sessions, defined in the .cpp, can name it

private:
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
};

// A listening socket whose accept queue is full and never drained, so that connecting to it hangs: the way to
// get a connect timeout offline. Linux-specific (SYNs to a full queue are dropped, not refused).
class FullBacklogListener {
public:
    FullBacklogListener();
    ~FullBacklogListener();
    FullBacklogListener(const FullBacklogListener&) = delete;
    FullBacklogListener& operator=(const FullBacklogListener&) = delete;

    std::uint16_t port() const { return port_; }

private:
    int listener_ = -1;
    std::vector<int> fillers_;
    std::uint16_t port_ = 0;
};

}  // namespace vg::test
