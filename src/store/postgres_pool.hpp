#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "store/migrations.hpp"
#include "store/result_store.hpp"
#include "store/store_config.hpp"

// The PostgreSQL plumbing the stores share: the connection pool with its retry-once rule, and the
// migration target. Included only by the PostgreSQL stores' sources (libpqxx is heavy).
namespace vg::store {

// Serialises migrators of one database (pg_advisory_xact_lock key, "vgschema").
inline constexpr long long kMigrationLock = 0x7667736368656d61;

// The URL with the connect timeout, a UTF-8 client encoding and our application name added, unless
// it sets them itself.
inline std::string postgres_connection_string(const std::string& url, std::chrono::milliseconds timeout) {
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

inline std::string text_of(const pqxx::field& field) {
    return std::string(field.c_str(), field.size());
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

// A pool of at most `size` connections, opened on demand (see PostgresResultStore for the rules).
// Thread-safe.
class PostgresPool {
public:
    // A connection on loan; back to the pool when it goes out of scope, unless discarded.
    class Lease {
    public:
        Lease(PostgresPool& pool, std::unique_ptr<pqxx::connection> connection, bool fresh)
            : pool_(pool), connection_(std::move(connection)), fresh_(fresh) {}
        ~Lease() { pool_.give_back(std::move(connection_), discarded_); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        pqxx::connection& connection() { return *connection_; }
        // True when it was opened for this call rather than taken from the idle list.
        bool fresh() const { return fresh_; }
        void discard() { discarded_ = true; }

    private:
        PostgresPool& pool_;
        std::unique_ptr<pqxx::connection> connection_;
        bool fresh_;
        bool discarded_ = false;
    };

    // `prepare` runs on every new connection (to prepare its statements).
    PostgresPool(const std::string& url, std::size_t size, std::chrono::milliseconds timeout,
                 std::function<void(pqxx::connection&)> prepare)
        : conninfo_(postgres_connection_string(url, timeout)),
          redacted_url_(redact_url(url)),
          size_(size),
          timeout_(timeout),
          prepare_(std::move(prepare)) {}

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
            prepare_(*connection);
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

    // Runs `fn(pqxx::connection&)` on a pooled connection, turning libpqxx's errors into StoreError.
    template <class Fn>
    auto run(std::string_view what, Fn&& fn) {
        for (int attempt = 1;; ++attempt) {
            auto lease = acquire();
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
            drop_idle();
            // A pooled connection that died while idle (the server restarted): once more on a new one.
            if (lease.fresh() || attempt > 1) {
                throw StoreError(std::string(what) + ": lost the connection to " + redacted_url() + ": " + failure);
            }
        }
    }

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
    std::function<void(pqxx::connection&)> prepare_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<pqxx::connection>> idle_;
    std::size_t open_ = 0;  // idle plus on loan
};

}  // namespace vg::store
