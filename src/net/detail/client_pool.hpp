#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "net/http_client.hpp"
#include "net/url.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace vg::net::detail {

class Call;
class ClientConnection;

// The connections to one scheme+host+port and the calls waiting for one of them. Thread-safe: one mutex guards
// the bookkeeping; I/O runs on each connection's strand, never under the mutex.
class HostPool : public std::enable_shared_from_this<HostPool> {
public:
    HostPool(boost::asio::io_context& io, Url origin, std::shared_ptr<const ClientConfig> config,
             std::shared_ptr<boost::asio::ssl::context> tls);

    // Hands the call to an idle connection (most recently used first), a new one under the cap, or the queue.
    void submit(const std::shared_ptr<Call>& call);
    // After the call was completed elsewhere (cancel, deadline): leaves the queue or closes its connection.
    void abandon(const std::shared_ptr<Call>& call);
    // Fails waiting calls with kClosed and closes every connection; later submits fail with kClosed.
    void shutdown();

    std::size_t open_connections() const;
    std::size_t idle_connections() const;

    // What a connection does once its exchange is over.
    enum class Next { kClose, kIdle, kReassigned };
    struct Release {
        Next next;
        std::uint64_t idle_generation;
    };
    // Called by a connection on its strand. Idempotent for a connection that is no longer open.
    Release release(const std::shared_ptr<ClientConnection>& conn, bool reusable);
    // A reused connection died before any response byte: replace it with a fresh one for the same call.
    void retry(const std::shared_ptr<ClientConnection>& dead, std::shared_ptr<Call> call);
    // True if the connection was still idle in that generation and has been removed: the caller closes it.
    bool expire_idle(const std::shared_ptr<ClientConnection>& conn, std::uint64_t idle_generation);

    boost::asio::io_context& io() const { return io_; }
    const Url& origin() const { return origin_; }
    const ClientConfig& config() const { return *config_; }
    boost::asio::ssl::context& tls() const { return *tls_; }

private:
    bool erase_open_locked(const ClientConnection* conn);
    void assign_locked(const std::shared_ptr<ClientConnection>& conn, const std::shared_ptr<Call>& call);
    std::shared_ptr<ClientConnection> open_locked();
    std::shared_ptr<Call> pop_waiting_locked();
    // A connection slot was freed: spend it on the oldest waiting call, if any.
    void serve_waiting_locked();

    boost::asio::io_context& io_;
    const Url origin_;
    const std::shared_ptr<const ClientConfig> config_;
    const std::shared_ptr<boost::asio::ssl::context> tls_;

    mutable std::mutex mutex_;
    bool closed_ = false;
    std::unordered_map<const ClientConnection*, std::weak_ptr<ClientConnection>> open_;  // incl. connecting
    std::vector<std::shared_ptr<ClientConnection>> idle_;                                // back = most recent
    std::list<std::shared_ptr<Call>> waiting_;
};

}  // namespace vg::net::detail
