#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/config_node.hpp"

namespace vg::cluster {

// Where a Redis server is and how to talk to it; shared by the rate limiter and the job queue.
struct RedisConfig {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;  // AUTH when not empty
    int database = 0;      // SELECT when not 0
    // Bounds a whole call: waiting for a pooled connection, connecting, and the commands.
    std::chrono::milliseconds timeout{200};
    std::string key_prefix = "visiongrid:ratelimit:";
    std::size_t pool_size = 4;  // connections at most; callers beyond that wait (within `timeout`) for one
};

// Throws std::invalid_argument naming the offending field.
void validate_redis_config(const RedisConfig& config);

// Reads a `redis:` section over `defaults`; with `check`, a bad value is a ConfigError naming it.
RedisConfig read_redis_config(ConfigNode node, RedisConfig defaults, bool check);

}  // namespace vg::cluster
