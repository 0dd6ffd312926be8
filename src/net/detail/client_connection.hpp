#pragma once

#include <cstdint>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace vg::net::detail {

class Call;
class HostPool;

// One keep-alive connection to a pool's origin, serving one call at a time. Abstract only so that the pool
// compiles without Beast; make_client_connection is the single implementation.
// Every member posts to the connection's strand, so all may be called from any thread.
class ClientConnection {
public:
    virtual ~ClientConnection() = default;

    // Serves `call`: connects first if needed. The pool calls it with its mutex held, which orders it before any
    // abort() for the same call.
    virtual void run(std::shared_ptr<Call> call) = 0;
    // Closes the connection if it is still serving `call` (which has already been completed).
    virtual void abort(std::shared_ptr<Call> call) = 0;
    // Client shutdown: completes the current call, if any, with kClosed and closes.
    virtual void close() = 0;

    // Guarded by the pool's mutex: tells a stale idle timer from the current one.
    std::uint64_t idle_generation = 0;
};

std::shared_ptr<ClientConnection> make_client_connection(boost::asio::io_context& io, std::shared_ptr<HostPool> pool);

}  // namespace vg::net::detail
