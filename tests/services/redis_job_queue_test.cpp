// The Redis Streams job queue against a real redis-server on loopback (skipped without one).
#include "services/business/redis_job_queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

#include "support/redis_server.hpp"

namespace vg::services::business {
namespace {

using namespace std::chrono_literals;

class RedisJobQueueTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!test::redis_server_available()) GTEST_SKIP() << "redis-server is not installed";
        server_ = std::make_unique<test::RedisServer>();
        queue_ = std::make_unique<RedisJobQueue>(config());
    }

    RedisJobQueueConfig config() const {
        RedisJobQueueConfig config;
        config.redis.port = server_->port();
        config.redis.timeout = 2s;
        return config;
    }

    std::unique_ptr<test::RedisServer> server_;
    std::unique_ptr<RedisJobQueue> queue_;
};

TEST_F(RedisJobQueueTest, HandsEachPublishedItemToOneConsumerInOrder) {
    queue_->publish("job-a", {0, 1, 2});
    RedisJobQueue other(config());  // another replica
    std::vector<QueuedItem> taken;
    for (int n = 0; n < 3; ++n) {
        auto item = (n % 2 == 0 ? *queue_ : other).take(n % 2 == 0 ? "replica-1" : "replica-2", 1s, 60s);
        ASSERT_TRUE(item);
        taken.push_back(*item);
        (n % 2 == 0 ? *queue_ : other).ack(*item);
    }
    for (int n = 0; n < 3; ++n) {
        EXPECT_EQ(taken[n].job_id, "job-a");
        EXPECT_EQ(taken[n].index, n);
    }
    EXPECT_FALSE(queue_->take("replica-1", 50ms, 60s)) << "every entry was handed out once";
    EXPECT_FALSE(other.take("replica-2", 50ms, 60s));
}

TEST_F(RedisJobQueueTest, AnEntryLeftUnacknowledgedByADeadConsumerGoesToALiveOne) {
    queue_->publish("job-b", {4});
    auto first = queue_->take("dies", 1s, 60s);
    ASSERT_TRUE(first);
    EXPECT_FALSE(queue_->take("lives", 50ms, 60s)) << "not stale yet: its consumer may still be working";
    std::optional<QueuedItem> again;
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!again && std::chrono::steady_clock::now() < until) again = queue_->take("lives", 20ms, 100ms);
    ASSERT_TRUE(again) << "the stale entry was never handed over";
    EXPECT_EQ(again->job_id, "job-b");
    EXPECT_EQ(again->index, 4);
    EXPECT_EQ(again->entry, first->entry);
    queue_->ack(*again);
    EXPECT_FALSE(queue_->take("lives", 50ms, 1ms)) << "acknowledged entries are gone";
}

TEST_F(RedisJobQueueTest, ABlockedTakeReturnsAsSoonAsAnItemIsPublished) {
    std::optional<QueuedItem> got;
    std::thread waiter([&] { got = queue_->take("replica", 10s, 60s); });
    RedisJobQueue publisher(config());
    publisher.publish("job-c", {9});
    waiter.join();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->index, 9);
}

TEST_F(RedisJobQueueTest, SurvivesARedisRestartThatLostTheGroup) {
    queue_->publish("job-d", {0});
    server_->restart();  // empty again: no stream, no group
    EXPECT_THROW(queue_->take("replica", 50ms, 60s), std::runtime_error) << "the pooled connection is broken";
    std::optional<QueuedItem> item;
    for (int attempt = 0; attempt < 3 && !item; ++attempt) {
        try {
            queue_->publish("job-e", {1});
            item = queue_->take("replica", 1s, 60s);
        } catch (const std::runtime_error&) {
            // the group is recreated by the next connection
        }
    }
    ASSERT_TRUE(item);
    EXPECT_EQ(item->job_id, "job-e");
}

TEST_F(RedisJobQueueTest, ReportsAnUnreachableServer) {
    server_->stop();
    EXPECT_THROW(queue_->publish("job-f", {0}), std::runtime_error);
    EXPECT_THROW(queue_->take("replica", 10ms, 60s), std::runtime_error);
}

}  // namespace
}  // namespace vg::services::business
