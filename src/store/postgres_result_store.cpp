#include "store/postgres_result_store.hpp"

#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

#include "store/migrations.hpp"
#include "store/postgres_pool.hpp"
#include "store/record_rules.hpp"
#include "store/store_config.hpp"

namespace vg::store {

namespace {

constexpr const char* kColumns =
    "id, task, caller_reference, image_hash, model, prompt_version, raw_output, result, status, error, metadata, "
    "latency_ms, created_at";
constexpr const char* kSelectColumns =
    "id, task, caller_reference, image_hash, model, prompt_version, raw_output, result::text, status, error, "
    "metadata::text, latency_ms, (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint";
// Microseconds since the epoch as a timestamptz, exactly (the product is an integral float8 < 2^53).
constexpr const char* kMicrosToTime = "(TIMESTAMPTZ 'epoch' + $%::bigint * INTERVAL '1 microsecond')";

constexpr const char* kInsert = "vg_results_insert";
constexpr const char* kGet = "vg_results_get";

enum ListFilter : unsigned { kTask = 1, kStatus = 2, kSince = 4, kAfter = 8, kAllFilters = 16 };

std::string micros_to_time(int parameter) {
    std::string text = kMicrosToTime;
    text.replace(text.find('%'), 1, std::to_string(parameter));
    return text;
}

std::string list_statement_name(unsigned filters) {
    return "vg_results_list_" + std::to_string(filters);
}

// One statement per combination of filters, so each gets a plan that uses the matching index.
std::string list_sql(unsigned filters) {
    std::vector<std::string> conditions;
    int parameter = 0;
    if (filters & kTask) conditions.push_back("task = $" + std::to_string(++parameter));
    if (filters & kStatus) conditions.push_back("status = $" + std::to_string(++parameter));
    if (filters & kSince) conditions.push_back("created_at >= " + micros_to_time(++parameter));
    if (filters & kAfter) {
        const std::string time = micros_to_time(++parameter);
        conditions.push_back("(created_at, id) < (" + time + ", $" + std::to_string(++parameter) + ")");
    }
    std::string sql = std::string("SELECT ") + kSelectColumns + " FROM results";
    for (std::size_t i = 0; i < conditions.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + conditions[i];
    sql += " ORDER BY created_at DESC, id DESC LIMIT $" + std::to_string(++parameter) + "::bigint";
    return sql;
}

void prepare_statements(pqxx::connection& connection) {
    connection.prepare(kInsert, std::string("INSERT INTO results (") + kColumns +
                                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::jsonb, "
                                    "$12::bigint, " +
                                    micros_to_time(13) + ")");
    connection.prepare(kGet, std::string("SELECT ") + kSelectColumns + " FROM results WHERE id = $1");
    for (unsigned filters = 0; filters < kAllFilters; ++filters) {
        connection.prepare(list_statement_name(filters), list_sql(filters));
    }
}

ResultRecord read_record(const pqxx::row& row) {
    ResultRecord record;
    record.id = text_of(row[0]);
    record.task = text_of(row[1]);
    record.caller_reference = text_of(row[2]);
    record.image_hash = text_of(row[3]);
    record.model = text_of(row[4]);
    record.prompt_version = text_of(row[5]);
    record.raw_output = text_of(row[6]);
    if (!row[7].is_null()) record.result = parse_json_column(text_of(row[7]), "result");
    record.status = text_of(row[8]);
    record.error = text_of(row[9]);
    if (!row[10].is_null()) record.metadata = parse_json_column(text_of(row[10]), "metadata");
    record.latency = std::chrono::milliseconds(row[11].as<long long>());
    record.created_at = from_micros(row[12].as<long long>());
    return record;
}

const char* null_if_empty(const std::string& text) {
    return text.empty() ? nullptr : text.c_str();
}

}  // namespace

PostgresResultStore::PostgresResultStore(const std::string& url, std::size_t pool_size,
                                         std::chrono::milliseconds timeout)
    : pool_(std::make_unique<PostgresPool>(url, pool_size, timeout, prepare_statements)) {
    migrations_applied_ = pool_->run("migrate", [](pqxx::connection& connection) {
        PostgresMigrationTarget target(connection);
        return migrate(target, postgres_migrations(), "postgresql");
    });
}

PostgresResultStore::~PostgresResultStore() = default;

void PostgresResultStore::put(ResultRecord& record) {
    prepare_for_insert(record, ids_);
    const std::string result = json_text(record.result);
    const std::string metadata = json_text(record.metadata);
    pool_->run("put", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        try {
            tx.exec_prepared(kInsert, record.id, record.task, record.caller_reference, record.image_hash, record.model,
                             record.prompt_version, record.raw_output, null_if_empty(result), record.status,
                             record.error, null_if_empty(metadata), static_cast<long long>(record.latency.count()),
                             static_cast<long long>(to_micros(record.created_at)));
        } catch (const pqxx::unique_violation&) {
            throw StoreError("result id '" + record.id + "' exists already");
        }
        tx.commit();
    });
}

std::optional<ResultRecord> PostgresResultStore::get(const std::string& id) {
    if (!valid_result_id(id)) return std::nullopt;
    return pool_->run("get", [&](pqxx::connection& connection) -> std::optional<ResultRecord> {
        pqxx::read_transaction tx(connection);
        const auto rows = tx.exec_prepared(kGet, id);
        tx.commit();
        if (rows.empty()) return std::nullopt;
        return read_record(rows[0]);
    });
}

ResultPage PostgresResultStore::list(const ResultQuery& query) {
    const auto cursor = check_query(query);
    unsigned filters = 0;
    std::vector<std::string> parameters;
    if (query.task) {
        filters |= kTask;
        parameters.push_back(*query.task);
    }
    if (query.status) {
        filters |= kStatus;
        parameters.push_back(*query.status);
    }
    if (query.since) {
        filters |= kSince;
        parameters.push_back(std::to_string(to_micros(*query.since)));
    }
    if (cursor) {
        filters |= kAfter;
        parameters.push_back(std::to_string(cursor->created_us));
        parameters.push_back(cursor->id);
    }
    // One more than asked for tells whether another page follows.
    parameters.push_back(std::to_string(query.limit + 1));

    ResultPage page = pool_->run("list", [&](pqxx::connection& connection) {
        pqxx::read_transaction tx(connection);
        const auto rows =
            tx.exec_prepared(list_statement_name(filters), pqxx::prepare::make_dynamic_params(parameters));
        tx.commit();
        ResultPage out;
        out.items.reserve(rows.size());
        for (const auto& row : rows) out.items.push_back(read_record(row));
        return out;
    });
    if (page.items.size() > query.limit) {
        page.items.pop_back();
        const ResultRecord& last = page.items.back();
        page.next_cursor = encode_cursor({to_micros(last.created_at), last.id});
    }
    return page;
}

}  // namespace vg::store
