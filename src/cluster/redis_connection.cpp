#include "cluster/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <sys/time.h>

#include <cerrno>

namespace vg::cluster {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

milliseconds time_left(steady_clock::time_point deadline) {
    return std::chrono::ceil<milliseconds>(deadline - steady_clock::now());
}

timeval to_timeval(milliseconds duration) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(duration.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>(duration.count() % 1000 * 1000);
    return tv;
}

redis::Reply command_argv(redisContext* context, steady_clock::time_point deadline,
                          const std::vector<const char*>& argv, const std::vector<std::size_t>& lengths) {
    const milliseconds left = time_left(deadline);
    if (left <= milliseconds{0}) return {nullptr, "timed out", true};
    if (redisSetTimeout(context, to_timeval(left)) != REDIS_OK) {
        return {nullptr, std::string("cannot set timeout: ") + context->errstr, false};
    }
    errno = 0;
    void* raw = redisCommandArgv(context, static_cast<int>(argv.size()), const_cast<const char**>(argv.data()),
                                 lengths.data());
    const int saved_errno = errno;
    if (raw == nullptr) {
        // A blocking hiredis read that hits SO_RCVTIMEO fails with EAGAIN.
        const bool timed_out = context->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
        if (timed_out) return {nullptr, "timed out after " + std::to_string(left.count()) + " ms", true};
        return {nullptr, context->errstr[0] != '\0' ? context->errstr : "connection lost", false};
    }
    return {redis::ReplyPtr(static_cast<redisReply*>(raw)), {}, false};
}

}  // namespace

namespace redis {

void ContextFree::operator()(redisContext* context) const { redisFree(context); }
void ReplyFree::operator()(redisReply* reply) const { freeReplyObject(reply); }

SigpipeGuard::SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
}

SigpipeGuard::~SigpipeGuard() {
    if (!was_pending_) {
        sigset_t pending;
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE) == 1) {
            const timespec no_wait{0, 0};
            sigtimedwait(&pipe_, nullptr, &no_wait);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

ContextPtr connect(const RedisConfig& config, steady_clock::time_point deadline, std::string& error) {
    const milliseconds left = time_left(deadline);
    if (left <= milliseconds{0}) {
        error = "connect: timed out";
        return nullptr;
    }
    ContextPtr context(redisConnectWithTimeout(config.host.c_str(), config.port, to_timeval(left)));
    if (!context) {
        error = "connect: cannot allocate a hiredis context";
        return nullptr;
    }
    if (context->err != 0) {
        error = std::string("connect: ") + context->errstr;
        return nullptr;
    }
    if (!config.password.empty() &&
        !expect(command(context.get(), deadline, {"AUTH", config.password}), REDIS_REPLY_STATUS, "AUTH", error)) {
        return nullptr;
    }
    if (config.database != 0 && !expect(command(context.get(), deadline, {"SELECT", std::to_string(config.database)}),
                                        REDIS_REPLY_STATUS, "SELECT", error)) {
        return nullptr;
    }
    return context;
}

Reply command(redisContext* context, steady_clock::time_point deadline, std::initializer_list<std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (std::string_view arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return command_argv(context, deadline, argv, lengths);
}

Reply command(redisContext* context, steady_clock::time_point deadline, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return command_argv(context, deadline, argv, lengths);
}

bool expect(const Reply& reply, int type, std::string_view what, std::string& error) {
    if (!reply.reply) {
        error = std::string(what) + ": " + reply.error;
        return false;
    }
    if (reply.reply->type == REDIS_REPLY_ERROR) {
        error = std::string(what) + ": " + std::string(reply.reply->str, reply.reply->len);
        return false;
    }
    if (reply.reply->type != type) {
        error = std::string(what) + ": unexpected reply type " + std::to_string(reply.reply->type);
        return false;
    }
    return true;
}

}  // namespace redis
}  // namespace vg::cluster
