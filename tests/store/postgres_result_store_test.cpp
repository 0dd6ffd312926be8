#include "store/postgres_result_store.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
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

// A loopback port nothing listens on (bound, read, released).
unsigned short unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    ::close(fd);
    return ntohs(address.sin_port);
}

class PostgresResultStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto reason = test::postgres_unavailable_reason()) GTEST_SKIP() << *reason;
        server_ = testing::shared_postgres_server();
        database_ = testing::fresh_database();
    }

    std::unique_ptr<PostgresResultStore> open(std::size_t pool_size = 4) {
        return std::make_unique<PostgresResultStore>(server_->url(database_), pool_size, 5000ms);
    }
    std::string sql(const std::string& statement) { return server_->psql(database_, statement); }

    test::PostgresServer* server_ = nullptr;
    std::string database_;
};

TEST_F(PostgresResultStoreTest, KeepsJsonAsJsonbAndTimesAsTimestamptz) {
    auto store = open();
    ResultRecord record =
        make_record("product_analysis", "ok",
                    std::chrono::sys_days{std::chrono::year{2024} / 2 / 29} + 13h + 14min + 15s + 16017us);
    store->put(record);

    EXPECT_EQ(sql("SELECT column_name || ':' || data_type FROM information_schema.columns WHERE table_name = "
                  "'results' AND column_name IN ('result', 'metadata', 'created_at') ORDER BY column_name"),
              "created_at:timestamp with time zone\nmetadata:jsonb\nresult:jsonb");
    EXPECT_EQ(sql("SELECT result->>'colour' || ' ' || (metadata->>'batch') || ' ' || "
                  "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM results"),
              "red 7 2024-02-29 13:14:15.016017");
}

TEST_F(PostgresResultStoreTest, IndexesTheListingOrders) {
    open();
    EXPECT_EQ(sql("SELECT indexname FROM pg_indexes WHERE tablename = 'results' ORDER BY indexname"),
              "results_created_idx\nresults_pkey\nresults_status_created_idx\nresults_task_created_idx");
    EXPECT_THAT(sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'results_task_created_idx'"),
                HasSubstr("(task, created_at DESC, id DESC)"));
}

TEST_F(PostgresResultStoreTest, ReopeningAppliesNoMigrationAgain) {
    ResultRecord record = make_record();
    {
        auto store = open();
        EXPECT_EQ(store->migrations_applied(), static_cast<int>(postgres_migrations().size()));
        store->put(record);
    }
    const std::string applied = sql("SELECT version || ' ' || applied_at FROM schema_migrations ORDER BY version");
    auto reopened = open();
    EXPECT_EQ(reopened->migrations_applied(), 0);
    EXPECT_EQ(sql("SELECT version || ' ' || applied_at FROM schema_migrations ORDER BY version"), applied);
    EXPECT_TRUE(reopened->get(record.id));
}

TEST_F(PostgresResultStoreTest, ASchemaNewerThanTheBinaryIsAStoreError) {
    open();
    sql("INSERT INTO schema_migrations (version) VALUES (42)");
    try {
        open();
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr("42"), HasSubstr("(" + std::to_string(postgres_migrations().size()) + ")")));
    }
}

TEST_F(PostgresResultStoreTest, ConcurrentOpensMigrateOnce) {
    std::vector<std::unique_ptr<PostgresResultStore>> stores(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < stores.size(); ++i) threads.emplace_back([&, i] { stores[i] = open(1); });
    for (auto& thread : threads) thread.join();
    int applied = 0;
    for (const auto& store : stores) {
        ASSERT_TRUE(store);
        applied += store->migrations_applied();
    }
    EXPECT_EQ(applied, static_cast<int>(postgres_migrations().size()));
    EXPECT_EQ(sql("SELECT COUNT(*) FROM schema_migrations"), std::to_string(postgres_migrations().size()));
}

TEST_F(PostgresResultStoreTest, AnUnreachableServerIsAStoreErrorWithoutThePassword) {
    const auto port = unused_port();
    const std::string url = "postgresql://vg:secret-password@127.0.0.1:" + std::to_string(port) + "/results";
    try {
        PostgresResultStore store(url, 2, 2000ms);
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr("cannot connect"), HasSubstr("vg:***@127.0.0.1"),
                                    Not(HasSubstr("secret-password"))));
    }
}

TEST_F(PostgresResultStoreTest, AKilledServerFailsCallsUntilItIsBack) {
    test::PostgresServer server;  // its own, so the shared one stays up
    server.create_database("results");
    PostgresResultStore store(server.url("results"), 4, 2000ms);
    ResultRecord before = make_record();
    store.put(before);

    server.crash();
    ResultRecord during = make_record();
    EXPECT_THROW(store.put(during), StoreError);
    EXPECT_THROW(store.get(before.id), StoreError);
    EXPECT_THROW(store.list({}), StoreError);

    server.restart();
    // The pooled connections died with the old server; the store reconnects on the next call.
    auto stored = store.get(before.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(*stored, before);
    ResultRecord after = make_record();
    store.put(after);
    EXPECT_EQ(store.list({}).items.size(), 2u);

    // A clean shutdown (clients told why before they are cut off) behaves the same.
    server.stop();
    EXPECT_THROW(store.get(after.id), StoreError);
    server.restart();
    EXPECT_TRUE(store.get(after.id));
}

}  // namespace
}  // namespace vg::store
