#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "net/http_client.hpp"
#include "net/url.hpp"

namespace vg::net::detail {

class ClientConnection;
class HostPool;

// One HttpClient::send from submission to on_done. Whoever completes it first wins (the connection serving it,
// its deadline, cancel(), shutdown); the losers find done() and step back, which is what makes on_done
// exactly-once without a lock shared between the pool and every connection.
class Call : public std::enable_shared_from_this<Call> {
public:
    Call(boost::asio::io_context& io, std::shared_ptr<HostPool> pool, ClientRequest request, Url url,
         std::function<void(ClientResult)> on_done);

    // Arms the overall deadline. Call once, before the call is handed to the pool.
    void start_deadline();
    // Completes the call with `kind` and tears down whatever serves it (queue slot or connection). Thread-safe.
    void abort(ClientErrorKind kind, std::string message);
    // First caller gets true and its result is posted to on_done; later callers get false. Thread-safe.
    bool complete(ClientResult result);
    bool done() const { return done_.load(std::memory_order_acquire); }
    // A result carrying the call's progress so far.
    ClientResult failure(ClientErrorKind kind, std::string message) const;

    const ClientRequest& request() const { return request_; }
    const Url& url() const { return url_; }

    std::atomic<bool> request_sent{false};
    std::atomic<bool> response_started{false};
    std::atomic<bool> retried{false};

    // Guarded by the pool's mutex.
    std::optional<std::list<std::shared_ptr<Call>>::iterator> queue_pos;
    std::weak_ptr<ClientConnection> connection;

private:
    boost::asio::io_context& io_;
    std::shared_ptr<HostPool> pool_;
    ClientRequest request_;
    Url url_;
    std::function<void(ClientResult)> on_done_;  // moved out by the winning complete()
    std::atomic<bool> done_{false};
    boost::asio::steady_timer deadline_;
};

}  // namespace vg::net::detail
