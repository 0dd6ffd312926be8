#pragma once

#include <signal.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/redis_config.hpp"

struct redisContext;
struct redisReply;

namespace vg::cluster {

namespace redis {

struct ContextFree {
    void operator()(redisContext* context) const;
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;

struct ReplyFree {
    void operator()(redisReply* reply) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

struct Reply {
    ReplyPtr reply;  // null: the connection failed (see `error`) and must be dropped
    std::string error;
    bool timed_out = false;
};

// hiredis writes with write(2), so a server that has gone away can raise SIGPIPE, whose default
// action kills the process. Blocks it on this thread for the guard's scope and swallows one raised
// meanwhile, leaving the process's signal handling alone.
class SigpipeGuard {
public:
    SigpipeGuard();
    ~SigpipeGuard();
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
    sigset_t pipe_;
    sigset_t old_mask_;
    bool was_pending_ = false;
};

// Connects, then AUTH and SELECT as configured, all before `deadline`; null with `error` set on failure.
ContextPtr connect(const RedisConfig& config, std::chrono::steady_clock::time_point deadline, std::string& error);

// Sends one command and reads its reply, bounded by `deadline`.
Reply command(redisContext* context, std::chrono::steady_clock::time_point deadline,
              std::initializer_list<std::string_view> args);
Reply command(redisContext* context, std::chrono::steady_clock::time_point deadline,
              const std::vector<std::string>& args);

// True when `reply` is a reply of `type` (a REDIS_REPLY_* constant); otherwise says why in `error`,
// prefixed with `what`.
bool expect(const Reply& reply, int type, std::string_view what, std::string& error);

}  // namespace redis
}  // namespace vg::cluster
