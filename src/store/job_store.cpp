#include "store/job_store.hpp"

#include <algorithm>

#include "store/postgres_job_store.hpp"
#include "store/result_store.hpp"
#include "store/sqlite_job_store.hpp"
#include "store/store_config.hpp"

namespace vg::store {

JobStore::~JobStore() = default;

std::unique_ptr<JobStore> open_job_store(const StoreConfig& config, int max_attempts) {
    StoreUrl url;
    try {
        url = parse_store_url(config.url);
    } catch (const std::invalid_argument& e) {
        throw StoreError(e.what());
    }
    if (url.backend == StoreBackend::kPostgres) {
        return std::make_unique<PostgresJobStore>(url.location, std::max<std::size_t>(1, config.pool_size),
                                                  config.busy_timeout, max_attempts);
    }
    return std::make_unique<SqliteJobStore>(url.location, config.busy_timeout, max_attempts);
}

}  // namespace vg::store
