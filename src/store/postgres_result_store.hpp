#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "store/result_id.hpp"
#include "store/result_store.hpp"

namespace vg::store {

class PostgresPool;

// Results in PostgreSQL through libpqxx: JSON in jsonb columns, created_at as timestamptz, prepared
// statements on every connection.
//
// A pool of at most `pool_size` connections, opened on demand. A connection that breaks is dropped
// with every idle one (a broken one usually means the server restarted); a call that finds its
// pooled connection dead tries once more on a new one, so the first call after a restart works,
// while a call that cannot connect at all throws StoreError. A call waits up to `timeout` for a
// free connection; the same timeout bounds connecting (libpq's connect_timeout, unless the URL
// sets one).
//
// Thread-safe.
class PostgresResultStore final : public ResultStore {
public:
    // `url`: postgresql://user:pass@host:port/db (libpq URI). Connects and migrates; throws
    // StoreError when the server is unreachable or its schema is newer than this binary knows.
    PostgresResultStore(const std::string& url, std::size_t pool_size, std::chrono::milliseconds timeout);
    ~PostgresResultStore() override;

    void put(ResultRecord& record) override;
    std::optional<ResultRecord> get(const std::string& id) override;
    ResultPage list(const ResultQuery& query) override;
    std::string backend() const override { return "postgresql"; }

    // How many schema steps opening this store applied (0 when the database was current).
    int migrations_applied() const { return migrations_applied_; }

private:
    std::unique_ptr<PostgresPool> pool_;
    IdGenerator ids_;
    int migrations_applied_ = 0;
};

}  // namespace vg::store
