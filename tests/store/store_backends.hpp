#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "store/result_store.hpp"
#include "support/postgres_server.hpp"

// What the store tests share: temporary directories, the PostgreSQL server of this test process,
// one fixture per backend for the typed suite, and a record builder.
namespace vg::store::testing {

// A directory removed with everything in it when the test ends.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The server every PostgreSQL test of this process shares (started on first use, each test in a
// database of its own); nullptr when none can run here (see skip_reason()).
test::PostgresServer* shared_postgres_server();
// A database no other test uses, on the shared server.
std::string fresh_database();

// Typed-suite backends: open() returns a store on the same database each time.
class SqliteFileBackend {
public:
    std::optional<std::string> skip_reason() const { return std::nullopt; }
    void prepare() {}
    std::unique_ptr<ResultStore> open();
    std::string path() const { return (dir_.path() / "results.db").string(); }

private:
    TempDir dir_;
};

// One store only: each ":memory:" store is a database of its own, so reopen() is not offered.
class SqliteMemoryBackend {
public:
    std::optional<std::string> skip_reason() const { return std::nullopt; }
    void prepare() {}
    std::unique_ptr<ResultStore> open();
};

class PostgresBackend {
public:
    std::optional<std::string> skip_reason() const { return test::postgres_unavailable_reason(); }
    void prepare();
    std::unique_ptr<ResultStore> open();
    const std::string& database() const { return database_; }

private:
    std::string database_;
};

// A complete record: every field set, `created_at` left to put() unless given.
ResultRecord make_record(const std::string& task = "product_analysis", const std::string& status = "ok",
                         std::chrono::system_clock::time_point created_at = {});

}  // namespace vg::store::testing
