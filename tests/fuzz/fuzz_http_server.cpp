// The real HTTP server (net/detail/http_session.hpp: parsing, smuggling checks, routing, limits,
// pipelining, streaming, error answers) fed over loopback: each input is the bytes a client sends on
// one connection before it half-closes. The server must close the connection promptly afterwards
// and must not answer 5xx, since none of its handlers fail. Input: raw bytes, pipelined requests allowed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <prometheus/registry.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "net/http_server.hpp"
#include "net/multipart.hpp"
#include "obs/health.hpp"

namespace {

using vg::net::Request;
using vg::net::Response;

vg::net::RouteOptions options(std::size_t body_limit, std::vector<std::string> content_types) {
    vg::net::RouteOptions options;
    options.body_limit = body_limit;
    options.content_types = std::move(content_types);
    return options;
}

vg::net::Router make_router() {
    vg::net::Router router;
    router.get("/health", [](Request&) { return Response::text(200, "ok"); });
    router.get("/api/results/{id}", [](Request& r) { return Response::json(200, {{"id", r.path_params["id"]}, {"q", r.query}}); });
    router.get("/console/{path...}", [](Request& r) { return Response::text(200, r.path_params["path"]); });
    router.add("POST", "/echo", vg::net::sync_handler([](Request& r) { return Response::text(200, r.body, std::string(r.header("Content-Type"))); }),
               options(2048, {}));
    // Throws ClientError on a bad body: the session turns it into the 400 answer.
    router.add("POST", "/upload", vg::net::sync_handler([](Request& r) {
                   auto parts = vg::net::parse_multipart(r.body, r.header("Content-Type"));
                   return Response::json(200, {{"parts", parts.size()}});
               }),
               options(4096, {"multipart/form-data"}));
    router.add("GET", "/stream", [](Request&, std::shared_ptr<vg::net::Exchange> exchange) {
        auto stream = exchange->stream(200, {});
        stream->write("data: one\n\n");
        stream->write("data: two\n\n");
        stream->finish();
    });
    return router;
}

// One server for the whole run, with logs formatted as JSON (so that code sees the inputs too) and
// then discarded.
class Server {
public:
    Server() {
        vg::net::ServerConfig config;
        config.host = "127.0.0.1";
        config.port = 0;
        config.io_threads = 1;
        config.header_timeout = std::chrono::milliseconds(2000);
        config.body_timeout = std::chrono::milliseconds(2000);
        config.max_header_bytes = vg::ByteSize{2048};
        auto sink = std::make_shared<spdlog::sinks::null_sink_mt>();
        auto logger = std::make_shared<spdlog::logger>("fuzz", sink);
        logger->set_level(spdlog::level::trace);
        vg::Logger log(logger, /*json=*/true, "fuzz");
        server_ = std::make_unique<vg::net::HttpServer>("fuzz", config, make_router(), vg::net::HttpServerDeps{registry_, readiness_, log, log});
        server_->start();
    }
    unsigned short port() const { return server_->port(); }

private:
    prometheus::Registry registry_;
    vg::obs::Readiness readiness_;
    std::unique_ptr<vg::net::HttpServer> server_;
};

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_http_server: %s\n", what);
    std::abort();
}

// Sends `input`, half-closes, and returns everything the server wrote until it closed.
std::string exchange(unsigned short port, std::string_view input) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) fail("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("connect() failed");
    // The server may answer and close before reading everything (431, 413): stop sending then.
    for (std::size_t sent = 0; sent < input.size();) {
        ssize_t n = ::send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    char buffer[4096];
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) fail("the server kept the connection open 5 s after the client half-closed it");
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;  // closed (or reset after an early answer)
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    linger no_time_wait{1, 0};  // many connections a second: leave no TIME_WAIT behind
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_time_wait, sizeof no_time_wait);
    ::close(fd);
    return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Server server;
    std::string answer = exchange(server.port(), std::string_view(reinterpret_cast<const char*>(data), size));
    // The answer is an HTTP/1.1 response and not a server error (later pipelined answers are not
    // checked: /echo may have echoed anything before them).
    if (!answer.empty() && !answer.starts_with("HTTP/1.1 ")) fail("the server wrote something that is not an HTTP/1.1 response");
    if (answer.starts_with("HTTP/1.1 5")) fail("the server answered 5xx");
    return 0;
}
