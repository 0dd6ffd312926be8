#include "cluster/redis_rate_limiter.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/redis_server.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kPollDeadline = 5s;  // generous: reconnect backoff is at most 1 s

// What a command sent straight to the test's redis-server answered, to look at what the limiter stored.
struct Answer {
    int type = 0;
    long long integer = 0;
    std::string text;
    std::vector<std::string> items;
};

Answer redis_command(unsigned short port, const std::vector<std::string>& args, int database = 0) {
    Answer answer;
    std::unique_ptr<redisContext, void (*)(redisContext*)> context(redisConnect("127.0.0.1", port), redisFree);
    if (!context || context->err) {
        ADD_FAILURE() << "cannot connect to the test redis on port " << port;
        return answer;
    }
    auto run = [&](const std::vector<std::string>& command) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& arg : command) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        return static_cast<redisReply*>(
            redisCommandArgv(context.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()));
    };
    if (database != 0) freeReplyObject(run({"SELECT", std::to_string(database)}));
    redisReply* reply = run(args);
    if (reply == nullptr) {
        ADD_FAILURE() << "the test redis on port " << port << " did not answer";
        return answer;
    }
    answer.type = reply->type;
    answer.integer = reply->integer;
    if (reply->str != nullptr) answer.text.assign(reply->str, reply->len);
    for (std::size_t i = 0; i < reply->elements; ++i) {
        answer.items.emplace_back(reply->element[i]->str ? reply->element[i]->str : "");
    }
    freeReplyObject(reply);
    return answer;
}

// The Redis server's clock, in microseconds.
double server_time_us(unsigned short port) {
    auto time = redis_command(port, {"TIME"});
    return std::stod(time.items.at(0)) * 1e6 + std::stod(time.items.at(1));
}

class RedisRateLimiterTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!test::redis_server_available()) {
            GTEST_SKIP() << "redis-server is not on PATH (Debian: apt-get install redis-server); "
                            "the Redis rate limiter is not tested";
        }
    }

    test::RedisServer& start_server(std::vector<std::string> extra_args = {}) {
        server_ = std::make_unique<test::RedisServer>(std::move(extra_args));
        return *server_;
    }

    RedisConfig config() const {
        RedisConfig config;
        config.port = server_->port();
        return config;
    }

    // Calls until a decision comes back without an error, polling every few milliseconds.
    static RateDecision until_healthy(RedisRateLimiter& limiter, std::string_view key, const RateLimit& limit) {
        const auto deadline = Clock::now() + kPollDeadline;
        RateDecision decision = limiter.try_acquire(key, limit);
        while (!decision.error.empty() && Clock::now() < deadline) {
            std::this_thread::sleep_for(5ms);
            decision = limiter.try_acquire(key, limit);
        }
        return decision;
    }

    std::unique_ptr<test::RedisServer> server_;
};

TEST_F(RedisRateLimiterTest, TwoReplicasShareOneLimit) {
    start_server();
    RedisRateLimiter replica_a(config(), false);
    RedisRateLimiter replica_b(config(), false);
    const RateLimit limit{.rate_per_second = 0.001, .burst = 10};

    int allowed = 0;
    for (int i = 0; i < 30; ++i) {
        RedisRateLimiter& replica = i % 2 == 0 ? replica_a : replica_b;
        auto decision = replica.try_acquire("client", limit);
        ASSERT_TRUE(decision.error.empty()) << decision.error;
        EXPECT_DOUBLE_EQ(decision.limit, 10);
        if (decision.allowed) {
            ++allowed;
            EXPECT_NEAR(decision.remaining, 10 - allowed, 0.01);
            EXPECT_EQ(decision.retry_after, 0ms);
        } else {
            EXPECT_GT(decision.retry_after, 900s);  // one token at 0.001/s
        }
    }
    EXPECT_EQ(allowed, 10);
}

TEST_F(RedisRateLimiterTest, RefillFollowsRetryAfter) {
    start_server();
    RedisRateLimiter limiter(config(), false);
    const RateLimit limit{.rate_per_second = 50, .burst = 5};  // a token every 20 ms

    RateDecision refused;
    Clock::time_point refused_at;
    for (int i = 0; i < 100; ++i) {
        refused_at = Clock::now();
        refused = limiter.try_acquire("k", limit);
        if (!refused.allowed) break;
    }
    ASSERT_FALSE(refused.allowed);
    ASSERT_TRUE(refused.error.empty()) << refused.error;
    EXPECT_GT(refused.retry_after, 0ms);
    EXPECT_LE(refused.retry_after, 20ms);

    // Poll (taking nothing, cost 0) until a whole token is back; never sooner than retry_after said.
    const auto deadline = Clock::now() + kPollDeadline;
    RateDecision peek;
    while ((peek = limiter.try_acquire("k", limit, 0)).remaining < 1 && Clock::now() < deadline) {
    }
    ASSERT_GE(peek.remaining, 1);
    // The server's clock ran no longer than ours between the two calls.
    EXPECT_GE(Clock::now() - refused_at, refused.retry_after - 1ms);
    EXPECT_TRUE(limiter.try_acquire("k", limit).allowed);

    // And the bucket fills up to the burst, no further.
    while ((peek = limiter.try_acquire("k", limit, 0)).remaining < 5 && Clock::now() < deadline) {
    }
    EXPECT_DOUBLE_EQ(peek.remaining, 5);
    int allowed = 0;
    while (limiter.try_acquire("k", limit).allowed && allowed < 100) ++allowed;
    EXPECT_GE(allowed, 5);
    EXPECT_LE(allowed, 6);  // a token may arrive while draining
}

TEST_F(RedisRateLimiterTest, TheBucketIsStampedWithTheServersClock) {
    start_server();
    RedisRateLimiter limiter(config(), false);
    const double before = server_time_us(server_->port());
    ASSERT_TRUE(limiter.try_acquire("k", {.rate_per_second = 10, .burst = 10}).allowed);
    const double after = server_time_us(server_->port());

    auto stored = redis_command(server_->port(), {"HMGET", "visiongrid:ratelimit:k", "tokens", "ts"});
    ASSERT_EQ(stored.items.size(), 2u);
    EXPECT_NEAR(std::stod(stored.items[0]), 9, 0.01);
    const double stamp = std::stod(stored.items[1]);
    EXPECT_GE(stamp, before);
    EXPECT_LE(stamp, after);
}

TEST_F(RedisRateLimiterTest, IdleBucketsExpireOnceFull) {
    start_server();
    RedisRateLimiter limiter(config(), false);
    const auto port = server_->port();

    ASSERT_TRUE(limiter.try_acquire("slow", {.rate_per_second = 10, .burst = 10}).allowed);
    const auto ttl = redis_command(port, {"PTTL", "visiongrid:ratelimit:slow"}).integer;
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, 101);  // one token at 10/s, plus a millisecond

    ASSERT_TRUE(limiter.try_acquire("fast", {.rate_per_second = 1000, .burst = 1}).allowed);
    const auto deadline = Clock::now() + kPollDeadline;
    while (redis_command(port, {"EXISTS", "visiongrid:ratelimit:fast"}).integer == 1 && Clock::now() < deadline) {
    }
    EXPECT_EQ(redis_command(port, {"EXISTS", "visiongrid:ratelimit:fast"}).integer, 0);

    // A fixed allowance (rate 0) must not be forgotten.
    ASSERT_TRUE(limiter.try_acquire("allowance", {.rate_per_second = 0, .burst = 3}).allowed);
    EXPECT_EQ(redis_command(port, {"PTTL", "visiongrid:ratelimit:allowance"}).integer, -1);
}

TEST_F(RedisRateLimiterTest, KeysAreIndependentAndHaveTheirOwnLimits) {
    start_server();
    RedisRateLimiter limiter(config(), false);
    const RateLimit free_plan{.rate_per_second = 0.001, .burst = 2};
    const RateLimit pro_plan{.rate_per_second = 0.001, .burst = 7};
    int free_allowed = 0;
    int pro_allowed = 0;
    int other_allowed = 0;
    for (int i = 0; i < 20; ++i) {
        if (limiter.try_acquire("key-free", free_plan).allowed) ++free_allowed;
        if (limiter.try_acquire("key-pro", pro_plan).allowed) ++pro_allowed;
        if (limiter.try_acquire("key-free-2", free_plan).allowed) ++other_allowed;
    }
    EXPECT_EQ(free_allowed, 2);
    EXPECT_EQ(pro_allowed, 7);
    EXPECT_EQ(other_allowed, 2);
}

TEST_F(RedisRateLimiterTest, CostAboveBurstCanNeverSucceed) {
    start_server();
    RedisRateLimiter limiter(config(), false);
    auto decision = limiter.try_acquire("k", {.rate_per_second = 100, .burst = 3}, 4);
    EXPECT_TRUE(decision.error.empty()) << decision.error;
    EXPECT_FALSE(decision.allowed);
    EXPECT_EQ(decision.retry_after, std::chrono::milliseconds::max());
    EXPECT_DOUBLE_EQ(decision.remaining, 3);
}

TEST_F(RedisRateLimiterTest, ConcurrentCallersOnTwoReplicasNeverOverAdmit) {
    start_server();
    RedisRateLimiter replica_a(config(), false);
    RedisRateLimiter replica_b(config(), false);
    const RateLimit limit{.rate_per_second = 0, .burst = 100};
    std::atomic<int> allowed{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            RedisRateLimiter& replica = t % 2 == 0 ? replica_a : replica_b;
            for (int i = 0; i < 250; ++i) {
                auto decision = replica.try_acquire("shared", limit);
                if (!decision.error.empty()) ++errors;
                if (decision.allowed) ++allowed;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(allowed.load(), 100);
}

TEST_F(RedisRateLimiterTest, ARedisThatIsDownFailsFastEitherWay) {
    start_server();
    RedisConfig config = this->config();
    config.timeout = 1000ms;
    RedisRateLimiter fail_open(config, true);
    RedisRateLimiter fail_closed(config, false);
    const RateLimit limit{.rate_per_second = 0.001, .burst = 1};
    ASSERT_TRUE(fail_open.try_acquire("open", limit).allowed);
    ASSERT_TRUE(fail_closed.try_acquire("closed", limit).allowed);

    server_->stop();
    // Both buckets are empty, so only the failure policy can explain these answers.
    auto opened = fail_open.try_acquire("open", limit);
    EXPECT_TRUE(opened.allowed);
    EXPECT_FALSE(opened.error.empty());
    EXPECT_DOUBLE_EQ(opened.limit, 1);
    auto closed = fail_closed.try_acquire("closed", limit);
    EXPECT_FALSE(closed.allowed);
    EXPECT_FALSE(closed.error.empty());
    EXPECT_GT(closed.retry_after, 0ms);
    EXPECT_NE(closed.error.find(std::to_string(config.port)), std::string::npos) << closed.error;

    auto slowest = Clock::duration::zero();
    for (int i = 0; i < 200; ++i) {
        for (RedisRateLimiter* limiter : {&fail_open, &fail_closed}) {
            const auto start = Clock::now();
            auto decision = limiter->try_acquire("k", limit);
            slowest = std::max(slowest, Clock::now() - start);
            EXPECT_EQ(decision.allowed, limiter == &fail_open);
            EXPECT_FALSE(decision.error.empty());
        }
    }
    EXPECT_LT(slowest, 100ms) << "the timeout is 1000 ms";
}

TEST_F(RedisRateLimiterTest, ARestartedRedisIsUsedAgain) {
    start_server();
    RedisRateLimiter limiter(config(), false);
    const RateLimit limit{.rate_per_second = 0.001, .burst = 2};
    ASSERT_TRUE(limiter.try_acquire("k", limit).allowed);
    server_->stop();
    ASSERT_FALSE(limiter.try_acquire("k", limit).error.empty());

    server_->restart();
    auto decision = until_healthy(limiter, "k", limit);
    ASSERT_TRUE(decision.error.empty()) << decision.error;
    // The restarted Redis is empty (no persistence): a fresh bucket.
    EXPECT_TRUE(decision.allowed);
    EXPECT_NEAR(decision.remaining, 1, 0.01);
}

TEST_F(RedisRateLimiterTest, AHungRedisCostsOneTimeoutThenFailsFast) {
    start_server();
    RedisConfig config = this->config();
    config.timeout = 200ms;
    RedisRateLimiter limiter(config, false);
    const RateLimit limit{.rate_per_second = 100, .burst = 100};
    ASSERT_TRUE(limiter.try_acquire("k", limit).allowed);

    server_->pause();
    auto start = Clock::now();
    auto first = limiter.try_acquire("k", limit);
    const auto first_took = Clock::now() - start;
    EXPECT_FALSE(first.allowed);
    EXPECT_NE(first.error.find("timed out"), std::string::npos) << first.error;
    EXPECT_GE(first_took, 150ms);
    EXPECT_LT(first_took, 600ms);

    // Inside the reconnect backoff calls do not touch the network. Should this loop outlast the backoff
    // (a loaded machine), one call probes and pays a timeout again.
    int slow_calls = 0;
    for (int i = 0; i < 50; ++i) {
        start = Clock::now();
        EXPECT_FALSE(limiter.try_acquire("k", limit).error.empty());
        if (Clock::now() - start >= 50ms) ++slow_calls;
    }
    EXPECT_LE(slow_calls, 1);

    server_->resume();
    auto decision = until_healthy(limiter, "k", limit);
    EXPECT_TRUE(decision.error.empty()) << decision.error;
    EXPECT_TRUE(decision.allowed);
}

TEST_F(RedisRateLimiterTest, APasswordProtectedRedisNeedsThePassword) {
    start_server({"--requirepass", "s3cret"});
    const RateLimit limit{.rate_per_second = 1, .burst = 5};

    RedisConfig with_password = config();
    with_password.password = "s3cret";
    RedisRateLimiter authorised(with_password, false);
    auto decision = authorised.try_acquire("k", limit);
    EXPECT_TRUE(decision.error.empty()) << decision.error;
    EXPECT_TRUE(decision.allowed);

    RedisRateLimiter anonymous(config(), false);
    decision = anonymous.try_acquire("k", limit);
    EXPECT_FALSE(decision.allowed);
    EXPECT_NE(decision.error.find("NOAUTH"), std::string::npos) << decision.error;

    RedisConfig wrong_password = config();
    wrong_password.password = "guess";
    RedisRateLimiter impostor(wrong_password, true);
    decision = impostor.try_acquire("k", limit);
    EXPECT_TRUE(decision.allowed);  // fail open
    EXPECT_NE(decision.error.find("AUTH"), std::string::npos) << decision.error;
}

TEST_F(RedisRateLimiterTest, UsesTheConfiguredDatabaseAndPrefix) {
    start_server();
    RedisConfig config = this->config();
    config.database = 5;
    config.key_prefix = "gw:";
    RedisRateLimiter limiter(config, false);
    ASSERT_TRUE(limiter.try_acquire("k", {.rate_per_second = 0.001, .burst = 2}).allowed);
    EXPECT_EQ(redis_command(server_->port(), {"EXISTS", "gw:k"}, 5).integer, 1);
    EXPECT_EQ(redis_command(server_->port(), {"EXISTS", "gw:k"}, 0).integer, 0);
}

TEST_F(RedisRateLimiterTest, SurvivesAFlushedScriptCache) {
    start_server();
    RedisRateLimiter limiter(config(), false);
    const RateLimit limit{.rate_per_second = 0.001, .burst = 3};
    ASSERT_TRUE(limiter.try_acquire("k", limit).allowed);
    ASSERT_EQ(redis_command(server_->port(), {"SCRIPT", "FLUSH"}).text, "OK");

    auto decision = limiter.try_acquire("k", limit);  // NOSCRIPT, then EVAL
    EXPECT_TRUE(decision.error.empty()) << decision.error;
    EXPECT_NEAR(decision.remaining, 1, 0.01);
    decision = limiter.try_acquire("k", limit);  // EVALSHA again
    EXPECT_TRUE(decision.error.empty()) << decision.error;
    EXPECT_NEAR(decision.remaining, 0, 0.01);
}

TEST_F(RedisRateLimiterTest, ConstructionDoesNotConnect) {
    start_server();
    const RedisConfig config = this->config();
    server_->stop();
    RedisRateLimiter limiter(config, false);  // Redis is down: still constructible
    auto decision = limiter.try_acquire("k", {.rate_per_second = 1, .burst = 1});
    EXPECT_FALSE(decision.allowed);
    EXPECT_NE(decision.error.find("connect"), std::string::npos) << decision.error;
}

TEST(RedisRateLimiterConfigTest, RejectsABadConfigOrLimit) {
    RedisConfig config;
    config.pool_size = 0;
    EXPECT_THROW(RedisRateLimiter(config, false), std::invalid_argument);
    config = {};
    config.timeout = 0ms;
    EXPECT_THROW(RedisRateLimiter(config, false), std::invalid_argument);
    config = {};
    config.port = 0;
    EXPECT_THROW(RedisRateLimiter(config, false), std::invalid_argument);

    RedisRateLimiter limiter(RedisConfig{}, false);  // no network until a valid call
    EXPECT_THROW(limiter.try_acquire("k", {.rate_per_second = 1, .burst = 0}), std::invalid_argument);
    EXPECT_THROW(limiter.try_acquire("k", {.rate_per_second = 1, .burst = 1}, -1), std::invalid_argument);
}

}  // namespace
}  // namespace vg::cluster
