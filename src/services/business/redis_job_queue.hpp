#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/redis_connection.hpp"
#include "services/business/job_queue.hpp"

namespace vg::services::business {

// `jobs.queue:` when the backend is redis.
struct RedisJobQueueConfig {
    cluster::RedisConfig redis;       // its timeout bounds each command beyond a take()'s wait
    std::string stream = "visiongrid:jobs";
    std::string group = "visiongrid-business";
    std::size_t max_length = 100000;  // entries kept at most (approximately); acknowledged ones are deleted
};

// A JobQueue on a Redis stream with one consumer group that every business replica joins: XADD
// announces items, XREADGROUP gives each entry to one replica, XAUTOCLAIM moves the entries of a
// replica that died (unacknowledged for longer than an item's lease) to a live one, and XACK + XDEL
// retire them. The group is created on first use (and again if Redis lost it), reading from the stream's start so entries written
// before it existed are not lost. One connection per concurrent caller (a blocked XREADGROUP holds its
// own); a broken connection is dropped and the next call reconnects.
class RedisJobQueue final : public JobQueue {
public:
    explicit RedisJobQueue(RedisJobQueueConfig config);
    ~RedisJobQueue() override;

    void publish(const std::string& job_id, const std::vector<int>& indexes) override;
    std::optional<QueuedItem> take(const std::string& consumer, std::chrono::milliseconds wait,
                                   std::chrono::milliseconds stale_after) override;
    void ack(const QueuedItem& item) override;

private:
    class Lease;
    cluster::redis::ContextPtr connect(std::chrono::steady_clock::time_point deadline);

    const RedisJobQueueConfig config_;
    std::mutex mutex_;
    std::vector<cluster::redis::ContextPtr> idle_;
    bool group_ready_ = false;
};

}  // namespace vg::services::business
