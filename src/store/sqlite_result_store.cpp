#include "store/sqlite_result_store.hpp"

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/migrations.hpp"
#include "store/record_rules.hpp"

namespace vg::store {

namespace {

constexpr std::string_view kMemory = ":memory:";
constexpr const char* kColumns =
    "id, task, caller_reference, image_hash, model, prompt_version, raw_output, result, status, error, metadata, "
    "latency_ms, created_at";

// One sqlite3 handle and its prepared statements. Used by one thread at a time (the pool sees to
// it), so it is opened without SQLite's own mutex.
class Connection {
public:
    Connection(const std::string& path, std::chrono::milliseconds busy_timeout, bool reader) : path_(path) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close(db_);
            throw StoreError("cannot open SQLite database '" + path + "': " + message);
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
        if (!reader) exec("PRAGMA journal_mode = WAL");
        // NORMAL is safe with WAL: a power cut may lose the last commits, never the database.
        exec("PRAGMA synchronous = NORMAL");
        exec("PRAGMA foreign_keys = ON");
        if (reader) exec("PRAGMA query_only = ON");
    }

    ~Connection() {
        for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
        sqlite3_close(db_);
    }

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void exec(const char* sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string message = error ? error : sqlite3_errmsg(db_);
            sqlite3_free(error);
            throw StoreError("SQLite database '" + path_ + "': " + message);
        }
    }

    // Prepared on first use and kept for the life of the connection.
    sqlite3_stmt* statement(const std::string& sql) {
        if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement,
                               nullptr) != SQLITE_OK) {
            fail("prepare");
        }
        statements_.emplace(sql, statement);
        return statement;
    }

    [[noreturn]] void fail(std::string_view what) const {
        throw StoreError("SQLite database '" + path_ + "': " + std::string(what) + ": " + sqlite3_errmsg(db_));
    }

    int extended_error() const { return sqlite3_extended_errcode(db_); }
    void rollback() noexcept { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

private:
    std::string path_;
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A cached statement in use: bindings are copied, and it is reset for its next user on scope exit.
class Statement {
public:
    Statement(Connection& connection, const std::string& sql)
        : connection_(connection), statement_(connection.statement(sql)) {}
    ~Statement() {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int index, std::string_view text) {
        check(sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(statement_, index, value)); }
    // NULL for an empty string.
    void bind_or_null(int index, std::string_view text) {
        if (text.empty()) {
            check(sqlite3_bind_null(statement_, index));
        } else {
            bind(index, text);
        }
    }

    // True while there is a row; throws StoreError on failure.
    bool step() {
        const int rc = sqlite3_step(statement_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        connection_.fail("step");
    }

    bool is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
    std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
    std::string text(int column) const {
        const auto* data = sqlite3_column_text(statement_, column);
        const int size = sqlite3_column_bytes(statement_, column);
        return data ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)) : std::string();
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) connection_.fail("bind");
    }

    Connection& connection_;
    sqlite3_stmt* statement_;
};

ResultRecord read_record(const Statement& row) {
    ResultRecord record;
    record.id = row.text(0);
    record.task = row.text(1);
    record.caller_reference = row.text(2);
    record.image_hash = row.text(3);
    record.model = row.text(4);
    record.prompt_version = row.text(5);
    record.raw_output = row.text(6);
    if (!row.is_null(7)) record.result = parse_json_column(row.text(7), "result");
    record.status = row.text(8);
    record.error = row.text(9);
    if (!row.is_null(10)) record.metadata = parse_json_column(row.text(10), "metadata");
    record.latency = std::chrono::milliseconds(row.integer(11));
    record.created_at = from_micros(row.integer(12));
    return record;
}

// schema_migrations in SQLite; steps run under BEGIN IMMEDIATE, which other processes' writers
// (and migrators) wait for.
class SqliteMigrationTarget final : public MigrationTarget {
public:
    explicit SqliteMigrationTarget(Connection& connection) : connection_(connection) {}

    void ensure_migrations_table() override {
        connection_.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY NOT NULL,"
            " applied_at TEXT NOT NULL"
            ") STRICT");
    }

    int current_version() override {
        Statement query(connection_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        query.step();
        return static_cast<int>(query.integer(0));
    }

    bool apply(const Migration& step) override {
        connection_.exec("BEGIN IMMEDIATE");
        try {
            if (current_version() >= step.version) {
                connection_.exec("COMMIT");
                return false;
            }
            connection_.exec(std::string(step.sql).c_str());
            {
                Statement record(connection_,
                                 "INSERT INTO schema_migrations (version, applied_at) "
                                 "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
                record.bind(1, std::int64_t{step.version});
                record.step();
            }
            connection_.exec("COMMIT");
            return true;
        } catch (const StoreError& e) {
            connection_.rollback();
            throw StoreError("schema migration " + std::to_string(step.version) + " (" + std::string(step.description) +
                             "): " + e.what());
        }
    }

private:
    Connection& connection_;
};

}  // namespace

class SqliteResultStore::Pool {
public:
    Pool(const std::string& path, std::size_t size, std::chrono::milliseconds busy_timeout)
        : path_(path),
          busy_timeout_(busy_timeout),
          reader_count_(path == kMemory || size <= 1 ? 0 : size - 1),
          writer_(std::make_unique<Connection>(path, busy_timeout, false)) {}

    // Readers open after migration, so none of them caches a plan made for an older schema.
    void open_readers() {
        for (std::size_t i = 0; i < reader_count_; ++i) {
            idle_readers_.push_back(std::make_unique<Connection>(path_, busy_timeout_, true));
        }
    }

    template <class Fn>
    auto write(Fn&& fn) {
        std::lock_guard lock(write_mutex_);
        return fn(*writer_);
    }

    template <class Fn>
    auto read(Fn&& fn) {
        if (reader_count_ == 0) return write(std::forward<Fn>(fn));
        std::unique_ptr<Connection> reader;
        {
            std::unique_lock lock(read_mutex_);
            reader_free_.wait(lock, [this] { return !idle_readers_.empty(); });
            reader = std::move(idle_readers_.back());
            idle_readers_.pop_back();
        }
        struct GiveBack {
            Pool& pool;
            std::unique_ptr<Connection>& reader;
            ~GiveBack() {
                {
                    std::lock_guard lock(pool.read_mutex_);
                    pool.idle_readers_.push_back(std::move(reader));
                }
                pool.reader_free_.notify_one();
            }
        } give_back{*this, reader};
        return fn(*reader);
    }

private:
    std::string path_;
    std::chrono::milliseconds busy_timeout_{0};
    std::size_t reader_count_ = 0;
    std::mutex write_mutex_;
    std::unique_ptr<Connection> writer_;
    std::mutex read_mutex_;
    std::condition_variable reader_free_;
    std::vector<std::unique_ptr<Connection>> idle_readers_;
};

SqliteResultStore::SqliteResultStore(const std::string& path, std::size_t pool_size,
                                     std::chrono::milliseconds busy_timeout)
    : pool_(std::make_unique<Pool>(path, pool_size, busy_timeout)) {
    migrations_applied_ = pool_->write([](Connection& connection) {
        SqliteMigrationTarget target(connection);
        return migrate(target, sqlite_migrations(), "sqlite");
    });
    pool_->open_readers();
}

SqliteResultStore::~SqliteResultStore() = default;

void SqliteResultStore::put(ResultRecord& record) {
    prepare_for_insert(record, ids_);
    const std::string result = json_text(record.result);
    const std::string metadata = json_text(record.metadata);
    pool_->write([&](Connection& connection) {
        Statement insert(connection, std::string("INSERT INTO results (") + kColumns +
                                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, record.id);
        insert.bind(2, record.task);
        insert.bind(3, record.caller_reference);
        insert.bind(4, record.image_hash);
        insert.bind(5, record.model);
        insert.bind(6, record.prompt_version);
        insert.bind(7, record.raw_output);
        insert.bind_or_null(8, result);
        insert.bind(9, record.status);
        insert.bind(10, record.error);
        insert.bind_or_null(11, metadata);
        insert.bind(12, std::int64_t{record.latency.count()});
        insert.bind(13, to_micros(record.created_at));
        try {
            insert.step();
        } catch (const StoreError&) {
            if (connection.extended_error() == SQLITE_CONSTRAINT_PRIMARYKEY) {
                throw StoreError("result id '" + record.id + "' exists already");
            }
            throw;
        }
    });
}

std::optional<ResultRecord> SqliteResultStore::get(const std::string& id) {
    if (!valid_result_id(id)) return std::nullopt;
    return pool_->read([&](Connection& connection) -> std::optional<ResultRecord> {
        Statement select(connection, std::string("SELECT ") + kColumns + " FROM results WHERE id = ?");
        select.bind(1, id);
        if (!select.step()) return std::nullopt;
        return read_record(select);
    });
}

ResultPage SqliteResultStore::list(const ResultQuery& query) {
    const auto cursor = check_query(query);
    std::string sql = std::string("SELECT ") + kColumns + " FROM results";
    std::vector<std::string_view> conditions;
    if (query.task) conditions.push_back("task = ?");
    if (query.status) conditions.push_back("status = ?");
    if (query.since) conditions.push_back("created_at >= ?");
    if (cursor) conditions.push_back("(created_at, id) < (?, ?)");
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        sql += i == 0 ? " WHERE " : " AND ";
        sql += conditions[i];
    }
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?";

    ResultPage page = pool_->read([&](Connection& connection) {
        Statement select(connection, sql);
        int index = 0;
        if (query.task) select.bind(++index, *query.task);
        if (query.status) select.bind(++index, *query.status);
        if (query.since) select.bind(++index, to_micros(*query.since));
        if (cursor) {
            select.bind(++index, cursor->created_us);
            select.bind(++index, cursor->id);
        }
        // One more than asked for tells whether another page follows.
        select.bind(++index, static_cast<std::int64_t>(query.limit + 1));
        ResultPage rows;
        while (select.step()) rows.items.push_back(read_record(select));
        return rows;
    });
    if (page.items.size() > query.limit) {
        page.items.pop_back();
        const ResultRecord& last = page.items.back();
        page.next_cursor = encode_cursor({to_micros(last.created_at), last.id});
    }
    return page;
}

}  // namespace vg::store
