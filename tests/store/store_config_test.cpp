#include "store/store_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/result_store.hpp"

namespace vg::store {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;

class StoreConfigTest : public ::testing::Test {
protected:
    StoreConfig parse(const std::string& yaml) {
        source_ = YAML::Load(yaml);
        return parse_store_config(ConfigNode(source_, effective_, "store"));
    }
    std::string error_of(const std::string& yaml) {
        try {
            parse(yaml);
        } catch (const ConfigError& e) {
            return e.what();
        }
        ADD_FAILURE() << "expected ConfigError for " << yaml;
        return {};
    }

    YAML::Node source_;
    YAML::Node effective_{YAML::NodeType::Map};
};

TEST_F(StoreConfigTest, DefaultsToAnSqliteFile) {
    const StoreConfig config = parse("{}");
    EXPECT_EQ(config.url, "sqlite://visiongrid.db");
    EXPECT_EQ(config.pool_size, 4u);
    EXPECT_EQ(config.busy_timeout, 5000ms);
    EXPECT_EQ(effective_["url"].as<std::string>(), "sqlite://visiongrid.db");
}

TEST_F(StoreConfigTest, ReadsEveryKey) {
    const StoreConfig config = parse(
        "url: postgresql://vg:pw@db:5432/visiongrid\n"
        "pool_size: 12\n"
        "busy_timeout: 2s\n");
    EXPECT_EQ(config.url, "postgresql://vg:pw@db:5432/visiongrid");
    EXPECT_EQ(config.pool_size, 12u);
    EXPECT_EQ(config.busy_timeout, 2000ms);
}

TEST_F(StoreConfigTest, RejectsUnknownKeysWithThePath) {
    EXPECT_THAT(error_of("url: sqlite://x.db\npool: 3\n"), AllOf(HasSubstr("store.pool"), HasSubstr("pool_size")));
}

TEST_F(StoreConfigTest, RejectsBadUrlsWithThePath) {
    EXPECT_THAT(error_of("url: mysql://db/results\n"), AllOf(HasSubstr("store.url"), HasSubstr("sqlite://")));
    EXPECT_THAT(error_of("url: sqlite://\n"), HasSubstr("store.url"));
    EXPECT_THAT(error_of("url: postgresql://\n"), HasSubstr("store.url"));
    EXPECT_THAT(error_of("url: visiongrid.db\n"), HasSubstr("store.url"));
}

TEST_F(StoreConfigTest, RejectsAnEmptyPool) {
    EXPECT_THAT(error_of("pool_size: 0\n"), HasSubstr("store.pool_size"));
}

TEST(StoreUrlTest, TakesUrlsApart) {
    EXPECT_EQ(parse_store_url("sqlite://visiongrid.db").location, "visiongrid.db");
    EXPECT_EQ(parse_store_url("sqlite:///var/lib/visiongrid/results.db").location, "/var/lib/visiongrid/results.db");
    EXPECT_EQ(parse_store_url("sqlite://:memory:").location, ":memory:");
    EXPECT_EQ(parse_store_url("sqlite://:memory:").backend, StoreBackend::kSqlite);
    const StoreUrl postgres = parse_store_url("postgres://vg@db/results?sslmode=require");
    EXPECT_EQ(postgres.backend, StoreBackend::kPostgres);
    EXPECT_EQ(postgres.location, "postgres://vg@db/results?sslmode=require");
}

TEST(StoreUrlTest, RedactsPasswords) {
    EXPECT_EQ(redact_url("postgresql://vg:s3cr@t@db:5432/results"), "postgresql://vg:***@db:5432/results");
    EXPECT_EQ(redact_url("postgresql://vg@db/results"), "postgresql://vg@db/results");
    EXPECT_EQ(redact_url("postgresql://db/x?sslmode=require&password=p&user=vg"),
              "postgresql://db/x?sslmode=require&password=***&user=vg");
    EXPECT_EQ(redact_url("sqlite://results.db"), "sqlite://results.db");
}

TEST(OpenResultStoreTest, OpensTheBackendTheUrlNames) {
    StoreConfig config;
    config.url = "sqlite://:memory:";
    EXPECT_EQ(open_result_store(config)->backend(), "sqlite");
}

TEST(OpenResultStoreTest, ABadUrlIsAStoreError) {
    StoreConfig config;
    config.url = "redis://localhost";
    EXPECT_THROW(open_result_store(config), StoreError);
}

}  // namespace
}  // namespace vg::store
