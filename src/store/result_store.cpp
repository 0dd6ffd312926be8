#include "store/result_store.hpp"

#include "store/postgres_result_store.hpp"
#include "store/sqlite_result_store.hpp"
#include "store/store_config.hpp"

namespace vg::store {

ResultStore::~ResultStore() = default;

std::unique_ptr<ResultStore> open_result_store(const StoreConfig& config) {
    StoreUrl url;
    try {
        url = parse_store_url(config.url);
    } catch (const std::invalid_argument& e) {
        throw StoreError(e.what());
    }
    const std::size_t pool_size = std::max<std::size_t>(1, config.pool_size);
    if (url.backend == StoreBackend::kPostgres) {
        return std::make_unique<PostgresResultStore>(url.location, pool_size, config.busy_timeout);
    }
    return std::make_unique<SqliteResultStore>(url.location, pool_size, config.busy_timeout);
}

}  // namespace vg::store
