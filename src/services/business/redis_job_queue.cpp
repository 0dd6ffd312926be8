#include "services/business/redis_job_queue.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace vg::services::business {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
namespace redis = cluster::redis;

std::string_view text_of(const redisReply* reply) {
    if (reply == nullptr || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS)) return {};
    return {reply->str, reply->len};
}

bool is_error(const redis::Reply& reply, std::string_view prefix) {
    return reply.reply && reply.reply->type == REDIS_REPLY_ERROR &&
           std::string_view(reply.reply->str, reply.reply->len).starts_with(prefix);
}

// An entry is [id, [field, value, ...]]; nullopt for one that is not ours or was deleted meanwhile.
std::optional<QueuedItem> read_entry(const redisReply* entry) {
    if (entry == nullptr || entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) return std::nullopt;
    QueuedItem item;
    item.entry = std::string(text_of(entry->element[0]));
    const redisReply* fields = entry->element[1];
    if (item.entry.empty() || fields == nullptr || fields->type != REDIS_REPLY_ARRAY) return std::nullopt;
    bool has_index = false;
    for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
        const auto name = text_of(fields->element[i]);
        const auto value = text_of(fields->element[i + 1]);
        if (name == "job") item.job_id = std::string(value);
        if (name == "item") {
            has_index = std::from_chars(value.data(), value.data() + value.size(), item.index).ec == std::errc{};
        }
    }
    if (item.job_id.empty() || !has_index) {
        item.job_id.clear();  // malformed: still acknowledged by the caller, so it does not come back forever
    }
    return item;
}

}  // namespace

// A connection for one call: an idle one or a new one; back to the pool unless the call broke it.
class RedisJobQueue::Lease {
public:
    Lease(RedisJobQueue& queue, steady_clock::time_point deadline) : queue_(queue) {
        {
            std::lock_guard lock(queue.mutex_);
            if (!queue.idle_.empty()) {
                context_ = std::move(queue.idle_.back());
                queue.idle_.pop_back();
            }
        }
        if (!context_) context_ = queue.connect(deadline);
    }
    ~Lease() {
        if (!context_ || broken_) return;
        std::lock_guard lock(queue_.mutex_);
        queue_.idle_.push_back(std::move(context_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    // Creates the consumer group unless it is known to exist (first use, or Redis lost it).
    void ensure_group(steady_clock::time_point deadline) {
        {
            std::lock_guard lock(queue_.mutex_);
            if (queue_.group_ready_) return;
        }
        const auto& config = queue_.config_;
        auto reply = run(deadline, {"XGROUP", "CREATE", config.stream, config.group, "0", "MKSTREAM"});
        std::string problem;
        if (!is_error(reply, "BUSYGROUP") && !redis::expect(reply, REDIS_REPLY_STATUS, "XGROUP CREATE", problem)) {
            throw std::runtime_error("redis job queue: " + problem);
        }
        std::lock_guard lock(queue_.mutex_);
        queue_.group_ready_ = true;
    }

    // Runs a command; a reply-less failure breaks the connection and throws.
    redis::Reply run(steady_clock::time_point deadline, const std::vector<std::string>& args) {
        redis::Reply reply = redis::command(context_.get(), deadline, args);
        if (!reply.reply) {
            broken_ = true;
            throw std::runtime_error("redis job queue: " + args.front() + ": " + reply.error);
        }
        return reply;
    }

private:
    RedisJobQueue& queue_;
    redis::ContextPtr context_;
    bool broken_ = false;
};

RedisJobQueue::RedisJobQueue(RedisJobQueueConfig config) : config_(std::move(config)) {
    cluster::validate_redis_config(config_.redis);
    if (config_.stream.empty() || config_.group.empty()) throw std::invalid_argument("job queue: stream and group must be set");
}

RedisJobQueue::~RedisJobQueue() = default;

redis::ContextPtr RedisJobQueue::connect(steady_clock::time_point deadline) {
    std::string error;
    auto context = redis::connect(config_.redis, deadline, error);
    if (!context) {
        throw std::runtime_error("redis job queue " + config_.redis.host + ":" + std::to_string(config_.redis.port) +
                                 ": " + error);
    }
    return context;
}

void RedisJobQueue::publish(const std::string& job_id, const std::vector<int>& indexes) {
    if (indexes.empty()) return;
    redis::SigpipeGuard guard;
    const auto deadline = steady_clock::now() + config_.redis.timeout;
    Lease lease(*this, deadline);
    lease.ensure_group(deadline);
    // One round trip for the whole job: MULTI/EXEC keeps a job's entries together in the stream.
    lease.run(deadline, {"MULTI"});
    for (int index : indexes) {
        lease.run(deadline, {"XADD", config_.stream, "MAXLEN", "~", std::to_string(config_.max_length), "*", "job",
                             job_id, "item", std::to_string(index)});
    }
    auto reply = lease.run(deadline, {"EXEC"});
    std::string problem;
    if (!redis::expect(reply, REDIS_REPLY_ARRAY, "XADD", problem)) throw std::runtime_error("redis job queue: " + problem);
}

std::optional<QueuedItem> RedisJobQueue::take(const std::string& consumer, milliseconds wait, milliseconds stale_after) {
    redis::SigpipeGuard guard;
    auto deadline = steady_clock::now() + config_.redis.timeout;
    Lease lease(*this, deadline);
    lease.ensure_group(deadline);
    // Entries of a consumer that died: idle for longer than an item's lease.
    auto stale = lease.run(deadline, {"XAUTOCLAIM", config_.stream, config_.group, consumer,
                                      std::to_string(std::max<long long>(1, stale_after.count())), "0-0", "COUNT", "1"});
    if (is_error(stale, "NOGROUP")) {
        std::lock_guard lock(mutex_);
        group_ready_ = false;  // Redis lost its data (restart without persistence): the next call recreates it
        throw std::runtime_error("redis job queue: the consumer group is gone; it will be recreated");
    }
    std::string problem;
    if (!redis::expect(stale, REDIS_REPLY_ARRAY, "XAUTOCLAIM", problem)) throw std::runtime_error("redis job queue: " + problem);
    if (stale.reply->elements >= 2 && stale.reply->element[1]->type == REDIS_REPLY_ARRAY) {
        for (std::size_t i = 0; i < stale.reply->element[1]->elements; ++i) {
            if (auto item = read_entry(stale.reply->element[1]->element[i])) return item;
        }
    }
    // New entries, waiting up to `wait` for one; the command's deadline covers the wait.
    deadline = steady_clock::now() + wait + config_.redis.timeout;
    auto fresh = lease.run(deadline, {"XREADGROUP", "GROUP", config_.group, consumer, "COUNT", "1", "BLOCK",
                                      std::to_string(std::max<long long>(1, wait.count())), "STREAMS", config_.stream, ">"});
    if (fresh.reply->type == REDIS_REPLY_NIL) return std::nullopt;
    if (!redis::expect(fresh, REDIS_REPLY_ARRAY, "XREADGROUP", problem)) throw std::runtime_error("redis job queue: " + problem);
    // [[stream, [entry, ...]]]
    const redisReply* streams = fresh.reply.get();
    if (streams->elements == 0 || streams->element[0]->type != REDIS_REPLY_ARRAY || streams->element[0]->elements != 2) {
        return std::nullopt;
    }
    const redisReply* entries = streams->element[0]->element[1];
    if (entries->type != REDIS_REPLY_ARRAY || entries->elements == 0) return std::nullopt;
    return read_entry(entries->element[0]);
}

void RedisJobQueue::ack(const QueuedItem& item) {
    redis::SigpipeGuard guard;
    const auto deadline = steady_clock::now() + config_.redis.timeout;
    Lease lease(*this, deadline);
    lease.run(deadline, {"XACK", config_.stream, config_.group, item.entry});
    lease.run(deadline, {"XDEL", config_.stream, item.entry});
}

}  // namespace vg::services::business
