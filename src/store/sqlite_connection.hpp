#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/migrations.hpp"
#include "store/result_store.hpp"

// The SQLite plumbing the stores share: a connection with its cached statements, a statement in
// use, and the migration target.
namespace vg::store {

// One sqlite3 handle and its prepared statements. Used by one thread at a time (its owner sees to
// it), so it is opened without SQLite's own mutex.
class SqliteConnection {
public:
    SqliteConnection(const std::string& path, std::chrono::milliseconds busy_timeout, bool reader) : path_(path) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close(db_);
            throw StoreError("cannot open SQLite database '" + path + "': " + message);
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
        try {
            if (!reader) exec("PRAGMA journal_mode = WAL");
            // NORMAL is safe with WAL: a power cut may lose the last commits, never the database.
            exec("PRAGMA synchronous = NORMAL");
            exec("PRAGMA foreign_keys = ON");
            if (reader) exec("PRAGMA query_only = ON");
        } catch (...) {
            sqlite3_close(db_);  // the destructor does not run for a constructor that throws (e.g. not a database)
            throw;
        }
    }

    ~SqliteConnection() {
        for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
        sqlite3_close(db_);
    }

    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

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

    // Rows changed by the last INSERT, UPDATE or DELETE.
    int changes() const { return sqlite3_changes(db_); }
    int extended_error() const { return sqlite3_extended_errcode(db_); }
    void rollback() noexcept { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

private:
    std::string path_;
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A cached statement in use: bindings are copied, and it is reset for its next user on scope exit.
class SqliteStatement {
public:
    SqliteStatement(SqliteConnection& connection, const std::string& sql)
        : connection_(connection), statement_(connection.statement(sql)) {}
    ~SqliteStatement() {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

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

    void bind_blob(int index, std::string_view bytes) {
        check(sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
    }

    bool is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
    std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
    std::string text(int column) const {
        const auto* data = sqlite3_column_text(statement_, column);
        const int size = sqlite3_column_bytes(statement_, column);
        return data ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)) : std::string();
    }

    std::string blob(int column) const {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(statement_, column));
        const int size = sqlite3_column_bytes(statement_, column);
        return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) connection_.fail("bind");
    }

    SqliteConnection& connection_;
    sqlite3_stmt* statement_;
};

// schema_migrations in SQLite; steps run under BEGIN IMMEDIATE, which other processes' writers
// (and migrators) wait for.
class SqliteMigrationTarget final : public MigrationTarget {
public:
    explicit SqliteMigrationTarget(SqliteConnection& connection) : connection_(connection) {}

    void ensure_migrations_table() override {
        connection_.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY NOT NULL,"
            " applied_at TEXT NOT NULL"
            ") STRICT");
    }

    int current_version() override {
        SqliteStatement query(connection_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
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
                SqliteStatement record(connection_,
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
    SqliteConnection& connection_;
};

}  // namespace vg::store
