#include "net/http_client.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "support/fake_upstream.hpp"

namespace vg::net {
namespace {

using namespace std::chrono_literals;
using test::ChunkedBody;
using test::FakeUpstream;
using test::Gate;
using test::Reply;

// Strings handed over between threads; pop() waits for the next one.
class BlockingQueue {
public:
    void push(std::string s) {
        std::lock_guard lock(mutex_);
        items_.push_back(std::move(s));
        cv_.notify_all();
    }
    std::optional<std::string> pop(std::chrono::milliseconds timeout = test::kDefaultWait) {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
        std::string s = std::move(items_.front());
        items_.pop_front();
        return s;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> items_;
};

// Counts completions; wait() returns once `expected` arrived.
class Completions {
public:
    explicit Completions(std::size_t expected) : expected_(expected) {}
    void add(ClientResult result) {
        std::lock_guard lock(mutex_);
        results_.push_back(std::move(result));
        cv_.notify_all();
    }
    bool wait(std::chrono::milliseconds timeout = test::kDefaultWait) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return results_.size() >= expected_; });
    }
    std::vector<ClientResult> results() {
        std::lock_guard lock(mutex_);
        return results_;
    }

private:
    const std::size_t expected_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<ClientResult> results_;
};

class HttpClientTest : public ::testing::Test {
protected:
    HttpClientTest() : work_(boost::asio::make_work_guard(io_)) {
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    }

    ~HttpClientTest() override {
        client_.reset();
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
    }

    HttpClient& client(ClientConfig config = {}) {
        if (!client_) client_ = std::make_unique<HttpClient>(io_, std::move(config));
        return *client_;
    }

    static ClientRequest get(std::string url, std::chrono::milliseconds timeout = 10s) {
        ClientRequest request;
        request.url = std::move(url);
        request.timeout = timeout;
        return request;
    }

    // The result, or a failed test (never a hung one).
    static ClientResult await(std::future<ClientResult> future) {
        if (future.wait_for(test::kDefaultWait) != std::future_status::ready) {
            ADD_FAILURE() << "call did not complete";
            return {};
        }
        return future.get();
    }

    ClientResult fetch(ClientRequest request) { return await(client().send(std::move(request))); }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::vector<std::thread> threads_;
    std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpClientTest, GetRoundtrip) {
    FakeUpstream upstream;
    ClientRequest request = get(upstream.url("/hello?x=1"));
    request.headers.add("X-Test", "1");
    const ClientResult result = fetch(std::move(request));

    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.status, 200);
    EXPECT_EQ(result.response.body, "ok");
    EXPECT_TRUE(result.request_sent);
    EXPECT_TRUE(result.response_started);
    ASSERT_EQ(upstream.request_count(), 1u);
    const auto recorded = upstream.requests().front();
    EXPECT_EQ(recorded.method, "GET");
    EXPECT_EQ(recorded.target, "/hello?x=1");
    EXPECT_EQ(recorded.headers.get_or("x-test", ""), "1");
    EXPECT_EQ(recorded.headers.get_or("host", ""), "127.0.0.1:" + std::to_string(upstream.port()));
    EXPECT_EQ(recorded.headers.get_or("user-agent", ""), "visiongrid");
}

TEST_F(HttpClientTest, PostRoundtrip) {
    FakeUpstream upstream([](const test::RecordedRequest& r) {
        return Reply::respond(201, "echo:" + r.body).header("X-Method", r.method);
    });
    ClientRequest request = get(upstream.url("/items"));
    request.method = "POST";
    request.body = "payload";
    request.headers.add("Content-Type", "text/plain");
    const ClientResult result = fetch(std::move(request));

    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.status, 201);
    EXPECT_EQ(result.response.body, "echo:payload");
    EXPECT_EQ(result.response.headers.get_or("x-method", ""), "POST");
    EXPECT_EQ(upstream.requests().front().headers.get_or("content-length", ""), "7");
}

TEST_F(HttpClientTest, HeadResponseHasNoBodyAndKeepsConnection) {
    // What a server says to HEAD: the length a GET would have, and no body.
    FakeUpstream upstream(
        [](const test::RecordedRequest&) { return Reply::respond(200).header("Content-Length", "100000"); });
    ClientConfig config;
    config.max_response_body_bytes = 1000;  // not a body this client will receive
    client(config);
    ClientRequest head = get(upstream.url());
    head.method = "HEAD";
    const ClientResult first = fetch(std::move(head));
    ASSERT_TRUE(first.ok()) << first.error_message;
    EXPECT_EQ(first.response.body, "");
    // Had the client waited for 10 body bytes, this would time out.
    ClientRequest again = get(upstream.url());
    again.method = "HEAD";
    EXPECT_TRUE(fetch(std::move(again)).ok());
    EXPECT_EQ(upstream.accepted_connections(), 1u);
}

TEST_F(HttpClientTest, InterimResponseIsSkipped) {
    FakeUpstream upstream;
    upstream.push_reply(
        Reply::raw_bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
    const ClientResult result = fetch(get(upstream.url()));
    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.status, 200);
    EXPECT_EQ(result.response.body, "hi");
}

TEST_F(HttpClientTest, BodyDelimitedByCloseIsRead) {
    FakeUpstream upstream;
    upstream.push_reply(Reply::raw_bytes("HTTP/1.1 200 OK\r\n\r\nuntil the end").then_close());
    const ClientResult result = fetch(get(upstream.url()));
    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.body, "until the end");
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_EQ(upstream.accepted_connections(), 2u);
}

TEST_F(HttpClientTest, ThrowingCallbackDoesNotHurtOtherCalls) {
    FakeUpstream upstream;
    std::promise<void> thrown;
    client().send(get(upstream.url()), [&thrown](ClientResult) {
        thrown.set_value();
        throw std::runtime_error("caller bug");
    });
    thrown.get_future().wait();
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(fetch(get(upstream.url())).ok());  // both io threads still serve
}

TEST_F(HttpClientTest, KeepAliveReusesConnection) {
    FakeUpstream upstream;
    EXPECT_TRUE(fetch(get(upstream.url("/a"))).ok());
    EXPECT_TRUE(fetch(get(upstream.url("/b"))).ok());

    EXPECT_EQ(upstream.accepted_connections(), 1u);
    EXPECT_EQ(client().open_connections(), 1u);
    EXPECT_EQ(client().idle_connections(), 1u);
    const auto recorded = upstream.requests();
    ASSERT_EQ(recorded.size(), 2u);
    EXPECT_EQ(recorded[0].connection, recorded[1].connection);
}

TEST_F(HttpClientTest, ConnectionCloseAndHttp10AreNotReused) {
    FakeUpstream upstream;
    upstream.push_reply(Reply::ok().header("Connection", "close"));
    upstream.push_reply(Reply::raw_bytes("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_EQ(upstream.accepted_connections(), 3u);
}

TEST_F(HttpClientTest, RequestConnectionCloseIsHonoured) {
    FakeUpstream upstream;
    ClientRequest request = get(upstream.url());
    request.headers.add("Connection", "close");
    EXPECT_TRUE(fetch(std::move(request)).ok());
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_EQ(upstream.accepted_connections(), 2u);
}

TEST_F(HttpClientTest, CapHoldsExtraCallsUntilAConnectionFrees) {
    auto gate = std::make_shared<Gate>();
    FakeUpstream upstream([gate](const test::RecordedRequest& r) { return Reply::ok(r.target).after(gate); });
    ClientConfig config;
    config.max_connections_per_host = 2;
    HttpClient& http = client(config);

    Completions done(10);
    for (int i = 0; i < 10; ++i) {
        http.send(get(upstream.url("/" + std::to_string(i))), [&done](ClientResult r) { done.add(std::move(r)); });
    }
    ASSERT_TRUE(upstream.wait_for_requests(2));
    EXPECT_EQ(upstream.accepted_connections(), 2u);
    EXPECT_EQ(http.open_connections(), 2u);
    EXPECT_EQ(done.results().size(), 0u);

    gate->open();
    ASSERT_TRUE(done.wait());
    for (const auto& r : done.results()) EXPECT_TRUE(r.ok()) << r.error_message;
    EXPECT_EQ(upstream.request_count(), 10u);
    EXPECT_EQ(upstream.accepted_connections(), 2u);
    EXPECT_EQ(upstream.max_open_connections(), 2u);
}

TEST_F(HttpClientTest, QueueBeyondMaxPendingIsRejected) {
    auto gate = std::make_shared<Gate>();
    FakeUpstream upstream([gate](const test::RecordedRequest&) { return Reply::ok().after(gate); });
    ClientConfig config;
    config.max_connections_per_host = 1;
    config.max_pending_per_host = 1;
    HttpClient& http = client(config);

    auto first = http.send(get(upstream.url()));
    ASSERT_TRUE(upstream.wait_for_requests(1));
    auto queued = http.send(get(upstream.url()));
    const ClientResult rejected = await(http.send(get(upstream.url())));
    EXPECT_EQ(rejected.error, ClientErrorKind::kPoolExhausted);
    EXPECT_FALSE(rejected.request_sent);

    gate->open();
    EXPECT_TRUE(await(std::move(first)).ok());
    EXPECT_TRUE(await(std::move(queued)).ok());
}

TEST_F(HttpClientTest, ConnectRefused) {
    std::uint16_t port = 0;
    {
        // A port that was just free: nothing listens on it once the acceptor is gone.
        boost::asio::ip::tcp::acceptor probe(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = probe.local_endpoint().port();
    }
    const ClientResult result = fetch(get("http://127.0.0.1:" + std::to_string(port) + "/"));
    EXPECT_EQ(result.error, ClientErrorKind::kConnectFailed) << result.error_message;
    EXPECT_FALSE(result.request_sent);
    EXPECT_EQ(client().open_connections(), 0u);
}

TEST_F(HttpClientTest, ConnectTimeoutIsSeparateFromDeadline) {
    test::FullBacklogListener listener;
    ClientConfig config;
    config.connect_timeout = 150ms;
    client(config);
    const auto started = std::chrono::steady_clock::now();
    const ClientResult result = fetch(get("http://127.0.0.1:" + std::to_string(listener.port()) + "/", 20s));
    EXPECT_EQ(result.error, ClientErrorKind::kConnectTimeout) << result.error_message;
    EXPECT_FALSE(result.request_sent);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(HttpClientTest, DeadlineWhileServerStalls) {
    FakeUpstream upstream([](const test::RecordedRequest&) { return Reply::stall(); });
    const ClientResult result = fetch(get(upstream.url(), 200ms));
    EXPECT_EQ(result.error, ClientErrorKind::kTimeout) << result.error_message;
    EXPECT_TRUE(result.request_sent);
    EXPECT_FALSE(result.response_started);
    // The stalled connection is not returned to the pool: the client closes it.
    EXPECT_TRUE(upstream.wait_for_closed(1));
}

TEST_F(HttpClientTest, DeadlineCoversWaitingForAConnection) {
    auto gate = std::make_shared<Gate>();
    FakeUpstream upstream([gate](const test::RecordedRequest&) { return Reply::ok().after(gate); });
    ClientConfig config;
    config.max_connections_per_host = 1;
    HttpClient& http = client(config);
    auto busy = http.send(get(upstream.url()));
    ASSERT_TRUE(upstream.wait_for_requests(1));

    const ClientResult waited = fetch(get(upstream.url(), 100ms));
    EXPECT_EQ(waited.error, ClientErrorKind::kTimeout);
    EXPECT_FALSE(waited.request_sent);
    gate->open();
    EXPECT_TRUE(await(std::move(busy)).ok());
    EXPECT_EQ(upstream.request_count(), 1u);
}

TEST_F(HttpClientTest, CancelInFlight) {
    FakeUpstream upstream([](const test::RecordedRequest&) { return Reply::stall(); });
    std::promise<ClientResult> promise;
    auto handle = client().send(get(upstream.url()), [&promise](ClientResult r) { promise.set_value(std::move(r)); });
    ASSERT_TRUE(upstream.wait_for_requests(1));
    handle->cancel();

    const ClientResult result = await(promise.get_future());
    EXPECT_EQ(result.error, ClientErrorKind::kCancelled);
    EXPECT_TRUE(result.request_sent);
    EXPECT_TRUE(upstream.wait_for_closed(1));
    handle->cancel();  // after completion: a no-op
}

TEST_F(HttpClientTest, CancelQueued) {
    auto gate = std::make_shared<Gate>();
    FakeUpstream upstream([gate](const test::RecordedRequest&) { return Reply::ok().after(gate); });
    ClientConfig config;
    config.max_connections_per_host = 1;
    HttpClient& http = client(config);

    auto first = http.send(get(upstream.url("/first")));
    ASSERT_TRUE(upstream.wait_for_requests(1));
    std::promise<ClientResult> promise;
    auto queued =
        http.send(get(upstream.url("/queued")), [&promise](ClientResult r) { promise.set_value(std::move(r)); });
    queued->cancel();
    const ClientResult cancelled = await(promise.get_future());
    EXPECT_EQ(cancelled.error, ClientErrorKind::kCancelled);
    EXPECT_FALSE(cancelled.request_sent);

    gate->open();
    EXPECT_TRUE(await(std::move(first)).ok());
    EXPECT_TRUE(fetch(get(upstream.url("/third"))).ok());
    const auto recorded = upstream.requests();
    ASSERT_EQ(recorded.size(), 2u);
    EXPECT_EQ(recorded[1].target, "/third");
}

TEST_F(HttpClientTest, ResponseTooLarge) {
    FakeUpstream upstream;
    upstream.push_reply(Reply::ok(std::string(4096, 'x')));
    upstream.push_reply(Reply::raw_bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                         std::string("300\r\n") + std::string(0x300, 'y') + "\r\n300\r\n" +
                                         std::string(0x300, 'y') + "\r\n0\r\n\r\n"));
    ClientConfig config;
    config.max_response_body_bytes = 1024;
    client(config);

    const ClientResult sized = fetch(get(upstream.url()));
    EXPECT_EQ(sized.error, ClientErrorKind::kResponseTooLarge) << sized.error_message;
    EXPECT_EQ(sized.response.status, 200);
    const ClientResult chunked = fetch(get(upstream.url()));
    EXPECT_EQ(chunked.error, ClientErrorKind::kResponseTooLarge) << chunked.error_message;
}

TEST_F(HttpClientTest, MalformedResponseIsProtocolError) {
    FakeUpstream upstream;
    upstream.push_reply(Reply::raw_bytes("NOT HTTP AT ALL\r\n\r\n"));
    const ClientResult result = fetch(get(upstream.url()));
    EXPECT_EQ(result.error, ClientErrorKind::kProtocol) << result.error_message;
}

TEST_F(HttpClientTest, StreamsChunkedBodyAsItArrives) {
    auto body = std::make_shared<ChunkedBody>();
    FakeUpstream upstream;
    upstream.push_reply(Reply::streamed(body).header("Content-Type", "text/event-stream"));
    BlockingQueue chunks;
    ClientRequest request = get(upstream.url("/events"));
    request.on_body_chunk = [&chunks](std::string_view chunk) { chunks.push(std::string(chunk)); };
    auto future = client().send(std::move(request));

    body->write("data: one\n\n");
    EXPECT_EQ(chunks.pop(), "data: one\n\n");
    EXPECT_EQ(future.wait_for(0s), std::future_status::timeout);
    body->write("data: two\n\n");
    EXPECT_EQ(chunks.pop(), "data: two\n\n");
    body->finish();

    const ClientResult result = await(std::move(future));
    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.headers.get_or("content-type", ""), "text/event-stream");
    EXPECT_EQ(result.response.body, "");  // streamed, not accumulated
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_EQ(upstream.accepted_connections(), 1u);
}

TEST_F(HttpClientTest, StreamingDeliversTheHeadBeforeTheFirstChunk) {
    auto body = std::make_shared<ChunkedBody>();
    FakeUpstream upstream;
    upstream.push_reply(Reply::streamed(body).header("Content-Type", "text/event-stream").header("X-Upstream", "a"));
    BlockingQueue events;
    ClientRequest request = get(upstream.url("/events"));
    request.on_response_head = [&events](const ClientResponse& head) {
        events.push("head " + std::to_string(head.status) + " " + std::string(head.headers.get_or("X-Upstream", "?")) +
                    " body=" + head.body);
    };
    request.on_body_chunk = [&events](std::string_view chunk) { events.push("chunk " + std::string(chunk)); };
    auto future = client().send(std::move(request));

    // The head arrives while the body is still open: a proxy can answer its client before the end.
    EXPECT_EQ(events.pop(), "head 200 a body=");
    body->write("data: one\n\n");
    EXPECT_EQ(events.pop(), "chunk data: one\n\n");
    body->finish();
    ASSERT_TRUE(await(std::move(future)).ok());
}

TEST_F(HttpClientTest, HeadCallbackThatThrowsCancelsTheCall) {
    FakeUpstream upstream;
    upstream.push_reply(Reply::respond(200, "body"));
    ClientRequest request = get(upstream.url());
    request.on_response_head = [](const ClientResponse&) { throw std::runtime_error("no thanks"); };
    request.on_body_chunk = [](std::string_view) { ADD_FAILURE() << "no chunk after the head callback threw"; };
    const ClientResult result = await(client().send(std::move(request)));
    EXPECT_EQ(result.error, ClientErrorKind::kCancelled);
    EXPECT_NE(result.error_message.find("on_response_head threw: no thanks"), std::string::npos) << result.error_message;
}

TEST_F(HttpClientTest, CancelFromStreamCallbackStopsTheStream) {
    auto body = std::make_shared<ChunkedBody>();
    FakeUpstream upstream;
    upstream.push_reply(Reply::streamed(body));
    std::promise<std::shared_ptr<CallHandle>> handle_promise;
    auto handle_future = handle_promise.get_future().share();
    std::promise<ClientResult> done;
    ClientRequest request = get(upstream.url());
    request.on_body_chunk = [handle_future](std::string_view) { handle_future.get()->cancel(); };
    handle_promise.set_value(
        client().send(std::move(request), [&done](ClientResult r) { done.set_value(std::move(r)); }));

    body->write("enough");
    const ClientResult result = await(done.get_future());
    EXPECT_EQ(result.error, ClientErrorKind::kCancelled);
    EXPECT_TRUE(result.response_started);
    EXPECT_TRUE(upstream.wait_for_closed(1));
}

TEST_F(HttpClientTest, StaleKeepAliveConnectionIsRetriedOnAFreshOne) {
    FakeUpstream upstream;
    ClientRequest post = get(upstream.url("/second"));
    post.method = "POST";
    post.body = "data";
    EXPECT_TRUE(fetch(get(upstream.url("/first"))).ok());
    // As a server's keep-alive timeout would, behind the client's back.
    ASSERT_EQ(upstream.close_idle_connections(), 1u);

    const ClientResult result = fetch(std::move(post));
    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(upstream.accepted_connections(), 2u);
    const auto recorded = upstream.requests();
    ASSERT_EQ(recorded.size(), 2u);
    EXPECT_EQ(recorded[1].body, "data");
}

TEST_F(HttpClientTest, FreshConnectionClosedOrResetIsNotRetried) {
    FakeUpstream upstream;
    upstream.push_reply(Reply::close());
    upstream.push_reply(Reply::reset());
    for (int i = 0; i < 2; ++i) {
        const ClientResult result = fetch(get(upstream.url()));
        EXPECT_EQ(result.error, ClientErrorKind::kClosed) << result.error_message;
        EXPECT_TRUE(result.request_sent);
    }
    EXPECT_EQ(upstream.request_count(), 2u);
}

TEST_F(HttpClientTest, IdleConnectionsAreClosedAfterIdleTimeout) {
    FakeUpstream upstream;
    ClientConfig config;
    config.idle_timeout = 50ms;
    client(config);
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    ASSERT_TRUE(upstream.wait_for_closed(1));
    EXPECT_EQ(client().open_connections(), 0u);
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_EQ(upstream.accepted_connections(), 2u);
}

TEST_F(HttpClientTest, ShutdownFailsInFlightAndLaterCalls) {
    FakeUpstream upstream([](const test::RecordedRequest&) { return Reply::stall(); });
    auto in_flight = client().send(get(upstream.url()));
    ASSERT_TRUE(upstream.wait_for_requests(1));
    client().shutdown();
    EXPECT_EQ(await(std::move(in_flight)).error, ClientErrorKind::kClosed);
    EXPECT_EQ(fetch(get(upstream.url())).error, ClientErrorKind::kClosed);
    EXPECT_TRUE(upstream.wait_for_closed(1));
}

TEST_F(HttpClientTest, BadRequestsThrowBeforeAnythingIsQueued) {
    bool called = false;
    auto on_done = [&called](ClientResult) { called = true; };
    EXPECT_THROW(client().send(get("not a url"), on_done), ClientError);
    ClientRequest injected = get("http://127.0.0.1:1/");
    injected.headers.add("X-Evil", "a\r\nX-Injected: 1");
    EXPECT_THROW(client().send(std::move(injected), on_done), ClientError);
    ClientRequest bad_method = get("http://127.0.0.1:1/");
    bad_method.method = "GET /x";
    EXPECT_THROW(client().send(std::move(bad_method), on_done), ClientError);
    EXPECT_FALSE(called);
}

TEST_F(HttpClientTest, ThousandsOfConcurrentRequestsOnTwoThreads) {
    FakeUpstream upstream([](const test::RecordedRequest& r) { return Reply::ok(r.target); });
    HttpClient& http = client();
    constexpr int kCalls = 2000;
    Completions done(kCalls);
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) {
        http.send(get(upstream.url("/" + std::to_string(i))), [&done](ClientResult r) { done.add(std::move(r)); });
    }
    ASSERT_TRUE(done.wait());
    const auto elapsed = std::chrono::steady_clock::now() - started;

    std::size_t ok = 0;
    for (const auto& r : done.results()) ok += r.ok() && r.response.body.size() > 1 ? 1 : 0;
    EXPECT_EQ(ok, static_cast<std::size_t>(kCalls));
    EXPECT_LE(upstream.accepted_connections(), ClientConfig{}.max_connections_per_host);
    EXPECT_LT(elapsed, 5s);
}

// --- TLS ------------------------------------------------------------------------------------------------------

class HttpClientTlsTest : public HttpClientTest {
protected:
    ~HttpClientTlsTest() override {
        for (const auto& path : ca_files_) std::filesystem::remove(path);
    }

    static const test::TlsIdentity& identity() {
        static const test::TlsIdentity id = test::make_self_signed_identity();
        return id;
    }

    std::string write_ca_file() {
        const std::filesystem::path path = ::testing::TempDir() + "vg_ca_" + std::to_string(::getpid()) + "_" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".pem";
        std::ofstream(path) << identity().cert_pem;
        ca_files_.push_back(path);
        return path.string();
    }

    std::vector<std::filesystem::path> ca_files_;
};

TEST_F(HttpClientTlsTest, SelfSignedWithoutVerification) {
    FakeUpstream upstream({}, identity());
    ClientConfig config;
    config.verify_tls = false;
    client(config);
    const ClientResult first = fetch(get(upstream.url("/secure")));
    ASSERT_TRUE(first.ok()) << first.error_message;
    EXPECT_EQ(first.response.body, "ok");
    EXPECT_TRUE(fetch(get(upstream.url())).ok());
    EXPECT_EQ(upstream.accepted_connections(), 1u);
}

TEST_F(HttpClientTlsTest, UntrustedCertificateFails) {
    FakeUpstream upstream({}, identity());
    const ClientResult result = fetch(get(upstream.url()));
    EXPECT_EQ(result.error, ClientErrorKind::kTls) << result.error_message;
    EXPECT_FALSE(result.request_sent);
}

TEST_F(HttpClientTlsTest, TrustedThroughCaFileWithHostnameCheck) {
    FakeUpstream upstream({}, identity());
    ClientConfig config;
    config.ca_file = write_ca_file();
    client(config);
    const ClientResult by_ip = fetch(get(upstream.url()));
    EXPECT_TRUE(by_ip.ok()) << by_ip.error_message;
    const ClientResult by_name = fetch(get("https://localhost:" + std::to_string(upstream.port()) + "/"));
    EXPECT_TRUE(by_name.ok()) << by_name.error_message;
}

TEST(HttpClientConfig, MissingCaFileFailsFast) {
    boost::asio::io_context io;
    ClientConfig config;
    config.ca_file = "/nonexistent/ca.pem";
    EXPECT_THROW(HttpClient(io, config), std::runtime_error);
}

}  // namespace
}  // namespace vg::net
