#include "store/postgres_result_store.hpp"

#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

#include "store/migrations.hpp"
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

// Serialises migrators of one database (pg_advisory_xact_lock key, "vgschema").
constexpr long long kMigrationLock = 0x7667736368656d61;

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

// The URL with the connect timeout, a UTF-8 client encoding and our application name added, unless
// it sets them itself.
std::string connection_string(const std::string& url, std::chrono::milliseconds timeout) {
    std::string out = url;
    auto add = [&](const std::string& key, const std::string& value) {
        if (url.find(key + "=") != std::string::npos) return;
        out += out.find('?') == std::string::npos ? '?' : '&';
        out += key + "=" + value;
    };
    if (timeout.count() > 0) {
        // libpq counts whole seconds and treats 1 as 2.
        add("connect_timeout", std::to_string(std::max<long long>(2, (timeout.count() + 999) / 1000)));
    }
    add("client_encoding", "UTF8");
    add("application_name", "visiongrid");
    return out;
}

std::string text_of(const pqxx::field& field) {
    return std::string(field.c_str(), field.size());
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

class PostgresMigrationTarget final : public MigrationTarget {
public:
    explicit PostgresMigrationTarget(pqxx::connection& connection) : connection_(connection) {}

    void ensure_migrations_table() override {
        pqxx::work tx(connection_);
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
        tx.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        tx.commit();
    }

    int current_version() override {
        pqxx::work tx(connection_);
        const auto row = tx.exec1("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        tx.commit();
        return row[0].as<int>();
    }

    bool apply(const Migration& step) override {
        pqxx::work tx(connection_);
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
        const auto row = tx.exec1("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        if (row[0].as<int>() >= step.version) return false;  // another process got there first
        try {
            tx.exec(std::string(step.sql));
        } catch (const pqxx::sql_error& e) {
            throw StoreError("schema migration " + std::to_string(step.version) + " (" + std::string(step.description) +
                             "): " + e.what());
        }
        tx.exec_params("INSERT INTO schema_migrations (version) VALUES ($1)", step.version);
        tx.commit();
        return true;
    }

private:
    pqxx::connection& connection_;
};

}  // namespace

class PostgresResultStore::Pool {
public:
    // A connection on loan; back to the pool when it goes out of scope, unless discarded.
    class Lease {
    public:
        Lease(Pool& pool, std::unique_ptr<pqxx::connection> connection, bool fresh)
            : pool_(pool), connection_(std::move(connection)), fresh_(fresh) {}
        ~Lease() { pool_.give_back(std::move(connection_), discarded_); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        pqxx::connection& connection() { return *connection_; }
        // True when it was opened for this call rather than taken from the idle list.
        bool fresh() const { return fresh_; }
        void discard() { discarded_ = true; }

    private:
        Pool& pool_;
        std::unique_ptr<pqxx::connection> connection_;
        bool fresh_;
        bool discarded_ = false;
    };

    Pool(const std::string& url, std::size_t size, std::chrono::milliseconds timeout)
        : conninfo_(connection_string(url, timeout)), redacted_url_(redact_url(url)), size_(size), timeout_(timeout) {}

    Lease acquire() {
        {
            std::unique_lock lock(mutex_);
            if (!available_.wait_for(lock, timeout_, [this] { return !idle_.empty() || open_ < size_; })) {
                throw StoreError("no free PostgreSQL connection within " + std::to_string(timeout_.count()) +
                                 " ms (pool_size " + std::to_string(size_) + ")");
            }
            if (!idle_.empty()) {
                auto connection = std::move(idle_.back());
                idle_.pop_back();
                return Lease(*this, std::move(connection), false);
            }
            ++open_;  // reserve the slot; connect outside the lock
        }
        try {
            auto connection = std::make_unique<pqxx::connection>(conninfo_);
            prepare_statements(*connection);
            return Lease(*this, std::move(connection), true);
        } catch (const std::exception& e) {
            give_back(nullptr, true);
            throw StoreError("cannot connect to " + redacted_url_ + ": " + e.what());
        }
    }

    // Closes every idle connection (after one broke: they are likely broken too).
    void drop_idle() {
        std::vector<std::unique_ptr<pqxx::connection>> dropped;
        {
            std::lock_guard lock(mutex_);
            dropped.swap(idle_);
            open_ -= dropped.size();
        }
        available_.notify_all();
    }

    const std::string& redacted_url() const { return redacted_url_; }

private:
    void give_back(std::unique_ptr<pqxx::connection> connection, bool discard) {
        {
            std::lock_guard lock(mutex_);
            if (discard || !connection || !connection->is_open()) {
                --open_;
            } else {
                idle_.push_back(std::move(connection));
            }
        }
        available_.notify_one();
        // A discarded connection closes here, outside the lock.
    }

    std::string conninfo_;
    std::string redacted_url_;
    std::size_t size_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<pqxx::connection>> idle_;
    std::size_t open_ = 0;  // idle plus on loan
};

template <class Fn>
auto PostgresResultStore::run(std::string_view what, Fn&& fn) {
    for (int attempt = 1;; ++attempt) {
        auto lease = pool_->acquire();
        std::string failure;
        try {
            return fn(lease.connection());
        } catch (const pqxx::in_doubt_error& e) {
            lease.discard();
            throw StoreError(std::string(what) +
                             ": the connection broke during commit; the outcome is unknown: " + e.what());
        } catch (const pqxx::broken_connection& e) {
            failure = e.what();
        } catch (const pqxx::failure& e) {
            // A statement that failed on a live connection (constraint, bad SQL) is the caller's answer;
            // an error that came with the connection closing (a server shutting down says why first)
            // is a broken connection.
            if (lease.connection().is_open()) throw StoreError(std::string(what) + ": " + e.what());
            failure = e.what();
        }
        lease.discard();
        pool_->drop_idle();
        // A pooled connection that died while idle (the server restarted): once more on a new one.
        if (lease.fresh() || attempt > 1) {
            throw StoreError(std::string(what) + ": lost the connection to " + pool_->redacted_url() + ": " + failure);
        }
    }
}

PostgresResultStore::PostgresResultStore(const std::string& url, std::size_t pool_size,
                                         std::chrono::milliseconds timeout)
    : pool_(std::make_unique<Pool>(url, pool_size, timeout)) {
    migrations_applied_ = run("migrate", [](pqxx::connection& connection) {
        PostgresMigrationTarget target(connection);
        return migrate(target, postgres_migrations(), "postgresql");
    });
}

PostgresResultStore::~PostgresResultStore() = default;

void PostgresResultStore::put(ResultRecord& record) {
    prepare_for_insert(record, ids_);
    const std::string result = json_text(record.result);
    const std::string metadata = json_text(record.metadata);
    run("put", [&](pqxx::connection& connection) {
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
    return run("get", [&](pqxx::connection& connection) -> std::optional<ResultRecord> {
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

    ResultPage page = run("list", [&](pqxx::connection& connection) {
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
