#include "net/detail/client_pool.hpp"

#include <algorithm>

#include "net/detail/client_call.hpp"
#include "net/detail/client_connection.hpp"

namespace vg::net::detail {

HostPool::HostPool(boost::asio::io_context& io, Url origin, std::shared_ptr<const ClientConfig> config,
                   std::shared_ptr<boost::asio::ssl::context> tls)
    : io_(io), origin_(std::move(origin)), config_(std::move(config)), tls_(std::move(tls)) {}

void HostPool::submit(const std::shared_ptr<Call>& call) {
    std::unique_lock lock(mutex_);
    if (call->done()) return;  // its deadline has already passed
    if (closed_) {
        lock.unlock();
        call->complete(call->failure(ClientErrorKind::kClosed, "client is shut down"));
        return;
    }
    if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        assign_locked(conn, call);
        return;
    }
    if (open_.size() < std::max<std::size_t>(config_->max_connections_per_host, 1)) {
        assign_locked(open_locked(), call);
        return;
    }
    if (waiting_.size() >= config_->max_pending_per_host) {
        lock.unlock();
        call->complete(call->failure(
            ClientErrorKind::kPoolExhausted,
            std::to_string(config_->max_pending_per_host) + " calls already waiting for " + origin_.origin()));
        return;
    }
    waiting_.push_back(call);
    call->queue_pos = std::prev(waiting_.end());
}

void HostPool::abandon(const std::shared_ptr<Call>& call) {
    std::shared_ptr<ClientConnection> conn;
    {
        std::lock_guard lock(mutex_);
        if (call->queue_pos) {
            waiting_.erase(*call->queue_pos);
            call->queue_pos.reset();
            return;
        }
        conn = call->connection.lock();
    }
    if (conn) conn->abort(call);
}

void HostPool::shutdown() {
    std::list<std::shared_ptr<Call>> waiting;
    std::vector<std::shared_ptr<ClientConnection>> conns;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        waiting.swap(waiting_);
        idle_.clear();
        for (const auto& [ptr, weak] : open_) {
            if (auto conn = weak.lock()) conns.push_back(std::move(conn));
        }
        for (const auto& call : waiting) call->queue_pos.reset();
    }
    for (const auto& call : waiting) call->complete(call->failure(ClientErrorKind::kClosed, "client shut down"));
    for (const auto& conn : conns) conn->close();
}

std::size_t HostPool::open_connections() const {
    std::lock_guard lock(mutex_);
    return open_.size();
}

std::size_t HostPool::idle_connections() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

HostPool::Release HostPool::release(const std::shared_ptr<ClientConnection>& conn, bool reusable) {
    std::lock_guard lock(mutex_);
    if (!reusable || closed_) {
        if (erase_open_locked(conn.get())) serve_waiting_locked();
        return {Next::kClose, 0};
    }
    if (auto call = pop_waiting_locked()) {
        assign_locked(conn, call);
        return {Next::kReassigned, 0};
    }
    idle_.push_back(conn);
    return {Next::kIdle, ++conn->idle_generation};
}

void HostPool::retry(const std::shared_ptr<ClientConnection>& dead, std::shared_ptr<Call> call) {
    std::unique_lock lock(mutex_);
    const bool erased = erase_open_locked(dead.get());
    if (closed_) {
        lock.unlock();
        call->complete(call->failure(ClientErrorKind::kClosed, "client shut down"));
        return;
    }
    if (call->done()) {
        if (erased) serve_waiting_locked();
        return;
    }
    // The dead connection's slot goes straight to its replacement, so the cap holds and no one is overtaken.
    call->retried.store(true, std::memory_order_release);
    assign_locked(open_locked(), call);
}

bool HostPool::expire_idle(const std::shared_ptr<ClientConnection>& conn, std::uint64_t idle_generation) {
    std::lock_guard lock(mutex_);
    if (closed_ || conn->idle_generation != idle_generation) return false;
    const auto it = std::find(idle_.begin(), idle_.end(), conn);
    if (it == idle_.end()) return false;
    idle_.erase(it);
    erase_open_locked(conn.get());
    return true;
}

bool HostPool::erase_open_locked(const ClientConnection* conn) {
    return open_.erase(conn) > 0;
}

void HostPool::assign_locked(const std::shared_ptr<ClientConnection>& conn, const std::shared_ptr<Call>& call) {
    call->connection = conn;
    conn->run(call);
}

std::shared_ptr<ClientConnection> HostPool::open_locked() {
    auto conn = make_client_connection(io_, shared_from_this());
    open_.emplace(conn.get(), conn);
    return conn;
}

std::shared_ptr<Call> HostPool::pop_waiting_locked() {
    while (!waiting_.empty()) {
        auto call = std::move(waiting_.front());
        waiting_.pop_front();
        call->queue_pos.reset();
        // A call completed elsewhere may not have left the queue yet.
        if (!call->done()) return call;
    }
    return nullptr;
}

void HostPool::serve_waiting_locked() {
    if (closed_) return;
    if (auto call = pop_waiting_locked()) assign_locked(open_locked(), call);
}

}  // namespace vg::net::detail
