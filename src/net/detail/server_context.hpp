#pragma once

#include <atomic>
#include <chrono>
#include <vector>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/logging.hpp"
#include "net/router.hpp"
#include "net/server_config.hpp"
#include "net/server_metrics.hpp"

namespace prometheus {
class Registry;
}

namespace vg::net::detail {

// What every session may ask of the server drain logic. Methods are safe from any thread.
class SessionControl {
public:
    virtual ~SessionControl() = default;
    // Finish the current request (if any) with `Connection: close`, close when idle.
    virtual void drain() = 0;
    virtual void force_close() = 0;
    // Checks the session's deadlines; called on the session's own thread by that thread's ticker.
    virtual void on_tick(std::chrono::steady_clock::time_point now) = 0;
};

// The sessions living on the calling I/O thread (each thread runs its own io_context), for its ticker.
inline std::vector<std::weak_ptr<SessionControl>>& ticked_sessions() {
    thread_local std::vector<std::weak_ptr<SessionControl>> sessions;
    return sessions;
}

// State shared by the server and its sessions; outlives every session.
struct ServerContext {
    ServerContext(std::string name_, ServerConfig config_, Router router_, prometheus::Registry& registry, Logger log_, Logger access_log_)
        : name(std::move(name_)),
          config(std::move(config_)),
          router(std::move(router_)),
          metrics(registry, name),
          log(std::move(log_)),
          access_log(std::move(access_log_)) {}

    const std::string name;
    const ServerConfig config;
    const Router router;
    HttpServerMetrics metrics;
    Logger log;
    Logger access_log;
    std::atomic<bool> draining{false};
    std::atomic<std::size_t> connections{0};

    std::mutex sessions_mutex;
    std::uint64_t next_session_id = 0;
    std::unordered_map<std::uint64_t, std::weak_ptr<SessionControl>> sessions;

    std::uint64_t add_session(std::weak_ptr<SessionControl> session) {
        std::lock_guard lock(sessions_mutex);
        sessions.emplace(++next_session_id, std::move(session));
        return next_session_id;
    }
    void remove_session(std::uint64_t id) {
        std::lock_guard lock(sessions_mutex);
        sessions.erase(id);
    }
    template <class F>
    void for_each_session(F&& f) {
        std::vector<std::shared_ptr<SessionControl>> live;
        {
            std::lock_guard lock(sessions_mutex);
            for (auto& [id, weak] : sessions) {
                if (auto s = weak.lock()) live.push_back(std::move(s));
            }
        }
        for (auto& s : live) f(*s);
    }
    std::size_t session_count() {
        std::lock_guard lock(sessions_mutex);
        return sessions.size();
    }
};

}  // namespace vg::net::detail
