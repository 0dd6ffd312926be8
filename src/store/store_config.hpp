#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/config_node.hpp"

namespace vg::store {

// The `store` section.
struct StoreConfig {
    // sqlite://PATH (relative to the working directory; sqlite:///abs/path), sqlite://:memory:,
    // postgresql://user:pass@host:port/db (postgres:// too; libpq URI parameters allowed).
    std::string url = "sqlite://visiongrid.db";
    // PostgreSQL: connections kept open. SQLite: connections to the file (one writer, the rest readers).
    std::size_t pool_size = 4;
    // SQLite: how long a statement waits for another process's lock. PostgreSQL: the connect timeout
    // and how long a call waits for a free pooled connection.
    std::chrono::milliseconds busy_timeout{5000};
};

enum class StoreBackend { kSqlite, kPostgres };

// A store URL taken apart. `location` is the SQLite path (":memory:" included) or the whole
// PostgreSQL URI, which libpq reads itself.
struct StoreUrl {
    StoreBackend backend = StoreBackend::kSqlite;
    std::string location;
};

// Throws std::invalid_argument naming the allowed schemes.
StoreUrl parse_store_url(std::string_view url);

// `url` with any password replaced by "***", for messages and logs.
std::string redact_url(std::string_view url);

// Rejects unknown keys, bad URL schemes, a pool_size of 0 with ConfigError naming the path.
StoreConfig parse_store_config(ConfigNode node);

}  // namespace vg::store
