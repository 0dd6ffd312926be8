#include "cluster/redis_rate_limiter.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

namespace vg::cluster {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kMinReconnectBackoff{100};
constexpr milliseconds kMaxReconnectBackoff{1000};
// What a fail-closed refusal tells the client to wait: the limiter cannot know, so about a backoff.
constexpr milliseconds kFailClosedRetryAfter{1000};

// KEYS[1]: the bucket, a hash of tokens and ts (microseconds of the Redis server's clock).
// ARGV: rate per second, burst, cost.
// Returns {allowed 0/1, tokens left, retry after in ms (-1: never)}. Tokens come back as a string
// because Redis truncates a Lua number reply to an integer. Mirrors TokenBucketLimiter::try_acquire.
constexpr std::string_view kScript = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = tokens + (now - ts) / 1000000 * rate
  ts = now
end
if tokens > burst then tokens = burst end
local allowed = 0
local retry = 0
if tokens + 1e-9 >= cost then
  allowed = 1
  tokens = math.max(0, tokens - cost)
elseif cost > burst or rate <= 0 then
  retry = -1
else
  retry = math.ceil((cost - tokens) / rate * 1000)
  if retry > 1e15 then retry = -1 end
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', ts)
if rate > 0 then
  -- Gone once it would be full again: a missing bucket reads as a full one.
  redis.call('PEXPIRE', KEYS[1], math.min(math.ceil((burst - tokens) / rate * 1000) + 1, 1e15))
else
  redis.call('PERSIST', KEYS[1])
end
return {allowed, tostring(tokens), retry}
)lua";

using redis::Reply;
using redis::command;
using redis::expect;

std::string format_number(double value) {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc{} ? std::string(buffer, end) : std::string("0");
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(RedisConfig config, bool fail_open)
    : config_(std::move(config)), fail_open_(fail_open), endpoint_(config_.host + ":" + std::to_string(config_.port)) {
    validate_redis_config(config_);
}

RedisRateLimiter::~RedisRateLimiter() = default;

RateDecision RedisRateLimiter::try_acquire(std::string_view key, const RateLimit& limit, double cost) {
    validate_rate_limit(limit);
    if (!(cost >= 0)) throw std::invalid_argument("rate limit: cost must be >= 0");
    const auto deadline = steady_clock::now() + config_.timeout;
    std::string redis_key = config_.key_prefix;
    redis_key.append(key);

    redis::SigpipeGuard sigpipe_guard;
    for (int attempt = 1;; ++attempt) {
        Lease leased = lease(deadline);
        if (!leased.connection) return failed(limit, leased.error);
        ScriptResult result = run_script(*leased.connection, redis_key, limit, cost, deadline);
        if (result.ok) {
            give_back(std::move(leased.connection));
            return std::move(result.decision);
        }
        if (!result.broken) {  // Redis answered with an error: the connection itself is fine
            give_back(std::move(leased.connection));
            return failed(limit, result.error);
        }
        // A pooled connection may just be stale (Redis restarted, or closed it while idle): one more try,
        // on a fresh connection. A timeout is not retried: that would double the wait.
        const bool retry = !leased.fresh && !result.timed_out && attempt == 1;
        discard(std::move(leased.connection), !retry, leased.probe, result.error);
        if (!retry) return failed(limit, result.error);
    }
}

RedisRateLimiter::Lease RedisRateLimiter::lease(steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    bool probe = false;
    while (true) {
        const auto now = steady_clock::now();
        if (backoff_ > milliseconds{0}) {
            if (now < retry_at_ || open_ >= config_.pool_size) {
                const auto wait = std::max(milliseconds{0}, std::chrono::ceil<milliseconds>(retry_at_ - now));
                return {nullptr, false, false,
                        last_error_ + " (next connection attempt in " + std::to_string(wait.count()) + " ms)"};
            }
            // This call probes; the others keep failing fast until it succeeds or its period ends.
            retry_at_ = now + backoff_;
            probe = true;
            ++open_;
            break;
        }
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            return {std::move(connection), false, false, {}};
        }
        if (open_ < config_.pool_size) {
            ++open_;
            break;
        }
        if (connection_available_.wait_until(lock, deadline) == std::cv_status::timeout) {
            return {nullptr, false, false,
                    "all " + std::to_string(config_.pool_size) + " connections stayed busy for " +
                        std::to_string(config_.timeout.count()) + " ms"};
        }
    }
    lock.unlock();

    std::string error;
    auto connection = connect(deadline, error);
    if (!connection) {
        discard(nullptr, true, probe, error);
        return {nullptr, false, probe, error};
    }
    return {std::move(connection), true, probe, {}};
}

std::unique_ptr<RedisRateLimiter::Connection> RedisRateLimiter::connect(steady_clock::time_point deadline,
                                                                        std::string& error) const {
    auto connection = std::make_unique<Connection>();
    connection->context = redis::connect(config_, deadline, error);
    if (!connection->context) return nullptr;
    redisContext* context = connection->context.get();
    Reply sha = command(context, deadline, {"SCRIPT", "LOAD", kScript});
    if (!expect(sha, REDIS_REPLY_STRING, "SCRIPT LOAD", error)) return nullptr;
    connection->script_sha.assign(sha.reply->str, sha.reply->len);
    return connection;
}

RedisRateLimiter::ScriptResult RedisRateLimiter::run_script(Connection& connection, const std::string& redis_key,
                                                            const RateLimit& limit, double cost,
                                                            steady_clock::time_point deadline) const {
    const std::string rate = format_number(limit.rate_per_second);
    const std::string burst = format_number(limit.burst);
    const std::string cost_text = format_number(cost);
    redisContext* context = connection.context.get();

    Reply reply =
        command(context, deadline, {"EVALSHA", connection.script_sha, "1", redis_key, rate, burst, cost_text});
    if (reply.reply && reply.reply->type == REDIS_REPLY_ERROR &&
        std::string_view(reply.reply->str, reply.reply->len).starts_with("NOSCRIPT")) {
        // The script cache was flushed (SCRIPT FLUSH, or a failover to a replica that never saw it).
        // EVAL runs it and caches it again for later EVALSHAs.
        reply = command(context, deadline, {"EVAL", kScript, "1", redis_key, rate, burst, cost_text});
    }

    ScriptResult result;
    if (!reply.reply) {
        result.broken = true;
        result.timed_out = reply.timed_out;
        result.error = reply.error;
        return result;
    }
    const redisReply& r = *reply.reply;
    if (r.type == REDIS_REPLY_ERROR) {
        result.error = "script: " + std::string(r.str, r.len);
        return result;
    }
    if (r.type != REDIS_REPLY_ARRAY || r.elements != 3 || r.element[0]->type != REDIS_REPLY_INTEGER ||
        r.element[1]->type != REDIS_REPLY_STRING || r.element[2]->type != REDIS_REPLY_INTEGER) {
        result.error = "script: unexpected reply";
        return result;
    }
    double remaining = 0;
    const char* tokens_begin = r.element[1]->str;
    const char* tokens_end = tokens_begin + r.element[1]->len;
    if (std::from_chars(tokens_begin, tokens_end, remaining).ec != std::errc{}) {
        result.error = "script: unexpected token count " + std::string(tokens_begin, tokens_end);
        return result;
    }
    const long long retry_ms = r.element[2]->integer;
    result.ok = true;
    result.decision.allowed = r.element[0]->integer == 1;
    result.decision.remaining = remaining;
    result.decision.retry_after = retry_ms < 0 ? milliseconds::max() : milliseconds{retry_ms};
    result.decision.limit = limit.burst;
    return result;
}

void RedisRateLimiter::give_back(std::unique_ptr<Connection> connection) {
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(connection));
        // Redis answered: whatever failed before has recovered.
        backoff_ = milliseconds{0};
        retry_at_ = {};
    }
    connection_available_.notify_one();
}

void RedisRateLimiter::discard(std::unique_ptr<Connection> connection, bool count_failure, bool probe,
                               const std::string& error) {
    std::vector<std::unique_ptr<Connection>> closing;
    {
        std::lock_guard lock(mutex_);
        closing.swap(idle_);
        open_ -= closing.size() + 1;  // the idle ones, and this one (or the slot it was connecting in)
        if (count_failure) {
            last_error_ = error;
            // Calls that fail together must not multiply the backoff: only the first failure and a
            // failed probe move it.
            if (backoff_ == milliseconds{0}) {
                backoff_ = kMinReconnectBackoff;
                retry_at_ = steady_clock::now() + backoff_;
            } else if (probe) {
                backoff_ = std::min(backoff_ * 2, kMaxReconnectBackoff);
                retry_at_ = steady_clock::now() + backoff_;
            }
        }
    }
    connection_available_.notify_all();
    connection.reset();  // closed outside the lock, as `closing` is on return
}

RateDecision RedisRateLimiter::failed(const RateLimit& limit, const std::string& error) const {
    RateDecision decision;
    decision.allowed = fail_open_;
    decision.retry_after = fail_open_ ? milliseconds{0} : kFailClosedRetryAfter;
    decision.limit = limit.burst;
    decision.error = "redis " + endpoint_ + ": " + error;
    return decision;
}

}  // namespace vg::cluster
