#include "store/sqlite_result_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/migrations.hpp"
#include "store_backends.hpp"

namespace vg::store {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::make_record;
using ::testing::Not;

// A plain connection to the file, to look at what the store wrote.
class RawDatabase {
public:
    explicit RawDatabase(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << sqlite3_errmsg(db_);
        sqlite3_busy_timeout(db_, 5000);
    }
    ~RawDatabase() { sqlite3_close(db_); }

    // The rows of `sql`, each as its columns joined by '|'.
    std::vector<std::string> query(const std::string& sql) {
        std::vector<std::string> rows;
        char* error = nullptr;
        auto collect = [](void* out, int columns, char** values, char**) {
            std::string row;
            for (int i = 0; i < columns; ++i) row += (i ? "|" : "") + std::string(values[i] ? values[i] : "NULL");
            static_cast<std::vector<std::string>*>(out)->push_back(row);
            return 0;
        };
        if (sqlite3_exec(db_, sql.c_str(), collect, &rows, &error) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << (error ? error : "?");
            sqlite3_free(error);
        }
        return rows;
    }

private:
    sqlite3* db_ = nullptr;
};

class SqliteResultStoreTest : public ::testing::Test {
protected:
    std::string path() const { return (dir_.path() / "results.db").string(); }
    std::unique_ptr<SqliteResultStore> open(std::size_t pool_size = 4) {
        return std::make_unique<SqliteResultStore>(path(), pool_size, 5000ms);
    }

    testing::TempDir dir_;
};

TEST_F(SqliteResultStoreTest, UsesWalJournal) {
    auto store = open();
    EXPECT_EQ(RawDatabase(path()).query("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
}

TEST_F(SqliteResultStoreTest, ReopeningKeepsTheDataAndAppliesNoMigrationAgain) {
    ResultRecord record = make_record();
    std::vector<std::string> migrations;
    {
        auto store = open();
        EXPECT_EQ(store->migrations_applied(), static_cast<int>(sqlite_migrations().size()));
        store->put(record);
        migrations = RawDatabase(path()).query("SELECT version, applied_at FROM schema_migrations ORDER BY version");
    }
    ASSERT_EQ(migrations.size(), sqlite_migrations().size());
    EXPECT_THAT(migrations[0], HasSubstr("1|"));

    auto reopened = open();
    EXPECT_EQ(reopened->migrations_applied(), 0);
    auto stored = reopened->get(record.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(*stored, record);
    EXPECT_EQ(RawDatabase(path()).query("SELECT version, applied_at FROM schema_migrations ORDER BY version"),
              migrations);
}

TEST_F(SqliteResultStoreTest, ASchemaNewerThanTheBinaryIsAStoreError) {
    open();
    RawDatabase(path()).query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'later')");
    try {
        open();
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr("99"), HasSubstr("(" + std::to_string(sqlite_migrations().size()) + ")")));
    }
}

TEST_F(SqliteResultStoreTest, AFileThatIsNotADatabaseIsAStoreError) {
    std::ofstream(path()) << std::string(4096, 'x');
    EXPECT_THROW(open(), StoreError);
}

TEST_F(SqliteResultStoreTest, AnUnreachablePathIsAStoreError) {
    try {
        SqliteResultStore store((dir_.path() / "missing" / "results.db").string(), 2, 100ms);
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), HasSubstr("missing/results.db"));
    }
}

TEST_F(SqliteResultStoreTest, StoresOnOneFileSeeEachOthersWrites) {
    auto writer = open();
    auto reader = open(2);
    ResultRecord record = make_record();
    writer->put(record);
    EXPECT_TRUE(reader->get(record.id));
    ResultRecord other = make_record();
    reader->put(other);
    EXPECT_EQ(writer->list({}).items.size(), 2u);
}

TEST_F(SqliteResultStoreTest, ConcurrentOpensMigrateOnce) {
    std::vector<std::unique_ptr<SqliteResultStore>> stores(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < stores.size(); ++i) threads.emplace_back([&, i] { stores[i] = open(2); });
    for (auto& thread : threads) thread.join();
    int applied = 0;
    for (const auto& store : stores) applied += store->migrations_applied();
    EXPECT_EQ(applied, static_cast<int>(sqlite_migrations().size()));
    EXPECT_EQ(RawDatabase(path()).query("SELECT COUNT(*) FROM schema_migrations"),
              std::vector<std::string>{std::to_string(sqlite_migrations().size())});
}

TEST_F(SqliteResultStoreTest, ASinglePooledConnectionServesReadsAndWrites) {
    auto store = open(1);
    ResultRecord record = make_record();
    store->put(record);
    EXPECT_TRUE(store->get(record.id));
}

// The listing reads the index in order: no sort of the whole table, whatever the filter.
TEST_F(SqliteResultStoreTest, ListingWalksAnIndex) {
    open();
    RawDatabase raw(path());
    for (const std::string filter : {"", "task = 'a' AND ", "status = 'ok' AND "}) {
        const auto plan =
            raw.query("EXPLAIN QUERY PLAN SELECT * FROM results WHERE " + filter +
                      "created_at >= 5 AND (created_at, id) < (10, 'x') ORDER BY created_at DESC, id DESC LIMIT 3");
        std::string text;
        for (const auto& row : plan) text += row + "\n";
        EXPECT_THAT(text, AllOf(HasSubstr("USING INDEX results_"), Not(HasSubstr("TEMP B-TREE")))) << filter;
    }
}

TEST_F(SqliteResultStoreTest, AnInMemoryStoreIsPrivateToItself) {
    SqliteResultStore first(":memory:", 4, 1000ms);
    SqliteResultStore second(":memory:", 4, 1000ms);
    ResultRecord record = make_record();
    first.put(record);
    EXPECT_TRUE(first.get(record.id));
    EXPECT_FALSE(second.get(record.id));
}

}  // namespace
}  // namespace vg::store
