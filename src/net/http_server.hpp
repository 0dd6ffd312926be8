#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/logging.hpp"
#include "net/router.hpp"
#include "net/server_config.hpp"

namespace prometheus {
class Registry;
}

namespace vg::obs {
class Readiness;
}
namespace boost::asio {
class io_context;
}

namespace vg::net {

struct HttpServerDeps {
    prometheus::Registry& registry;
    obs::Readiness& readiness;  // the server marks itself not ready while draining
    Logger log;
    Logger access_log;
};

// An async HTTP/1.1 server (Beast) on its own pool of I/O threads: keep-alive, per-route body
// limits, read/idle/write timeouts, streaming responses, optional TLS, graceful drain.
// start() and stop() are called from one controlling thread; handlers run on I/O threads.
class HttpServer {
public:
    HttpServer(std::string name, ServerConfig config, Router router, HttpServerDeps deps);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds, listens and starts the I/O threads. Throws std::runtime_error when it cannot bind.
    void start();
    // The bound port (useful with port 0).
    unsigned short port() const;
    // Graceful drain: stop accepting, let in-flight requests finish within drain_timeout, then close
    // everything and join the I/O threads. Idempotent.
    void stop();
    // The I/O threads' io_contexts, alive from construction to destruction, so a component can run
    // work for a request (an upstream call) on the thread serving it, without a thread hop.
    std::vector<boost::asio::io_context*> io_contexts() const;
    // After stop(): runs what other components posted to the I/O threads since (e.g. the completions
    // of upstream calls their owner just shut down), so nothing queued there outlives its owner.
    void run_pending();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// The io_context the calling thread runs for an HttpServer; nullptr on any other thread.
boost::asio::io_context* current_io_context();

}  // namespace vg::net
