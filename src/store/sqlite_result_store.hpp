#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "store/result_id.hpp"
#include "store/result_store.hpp"

namespace vg::store {

// Results in an SQLite file: WAL journal, busy_timeout, foreign keys on, prepared statements cached
// per connection, JSON as TEXT, times as microseconds since the Unix epoch.
//
// Connections: one writer behind a mutex and `pool_size - 1` readers handed out from a free list.
// WAL lets readers run beside the writer and each other; keeping every write of this process on one
// connection means our own threads never meet SQLITE_BUSY (busy_timeout only covers other processes
// sharing the file), and a fixed pool, unlike a connection per thread, does not grow with the
// callers' thread count. ":memory:" is private to one connection, so there it serves reads too.
//
// Thread-safe.
class SqliteResultStore final : public ResultStore {
public:
    // `path` is a file (created when missing) or ":memory:". Throws StoreError when the file cannot be
    // opened, is not a database, or holds a newer schema.
    SqliteResultStore(const std::string& path, std::size_t pool_size, std::chrono::milliseconds busy_timeout);
    ~SqliteResultStore() override;

    void put(ResultRecord& record) override;
    std::optional<ResultRecord> get(const std::string& id) override;
    ResultPage list(const ResultQuery& query) override;
    std::string backend() const override { return "sqlite"; }

    // How many schema steps opening this store applied (0 when the database was current).
    int migrations_applied() const { return migrations_applied_; }

private:
    class Pool;

    std::unique_ptr<Pool> pool_;
    IdGenerator ids_;
    int migrations_applied_ = 0;
};

}  // namespace vg::store
