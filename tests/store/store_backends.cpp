#include "store_backends.hpp"

#include <gtest/gtest.h>

#include <random>

#include "store/store_config.hpp"

namespace vg::store::testing {

TempDir::TempDir() {
    std::random_device random;
    path_ =
        std::filesystem::temp_directory_path() / ("vg-store-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

test::PostgresServer* shared_postgres_server() {
    if (test::postgres_unavailable_reason()) return nullptr;
    // Lives until the test process exits; its destructor stops the server and removes its files.
    static auto server = std::make_unique<test::PostgresServer>();
    return server.get();
}

std::string fresh_database() {
    static int counter = 0;
    auto* server = shared_postgres_server();
    if (server == nullptr) throw std::runtime_error("no PostgreSQL server here");
    std::string name = "vg_store_test_" + std::to_string(++counter);
    server->create_database(name);
    return name;
}

std::unique_ptr<ResultStore> SqliteFileBackend::open() {
    StoreConfig config;
    config.url = "sqlite://" + path();
    return open_result_store(config);
}

std::unique_ptr<ResultStore> SqliteMemoryBackend::open() {
    StoreConfig config;
    config.url = "sqlite://:memory:";
    return open_result_store(config);
}

void PostgresBackend::prepare() {
    database_ = fresh_database();
}

std::unique_ptr<ResultStore> PostgresBackend::open() {
    StoreConfig config;
    config.url = shared_postgres_server()->url(database_);
    return open_result_store(config);
}

ResultRecord make_record(const std::string& task, const std::string& status,
                         std::chrono::system_clock::time_point created_at) {
    ResultRecord record;
    record.task = task;
    record.caller_reference = "order-42";
    record.image_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    record.model = "qwen3-vl-2b-instruct-q4_k_m";
    record.prompt_version = "product_analysis/v3";
    record.raw_output = R"({"category": "shoes", "colour": "red"})";
    record.status = status;
    if (status == "ok") {
        record.result = {{"category", "shoes"}, {"colour", "red"}, {"confidence", 0.93}, {"tags", {"sport", "run"}}};
    } else {
        record.error = "the model answered with something that is not JSON";
    }
    record.metadata = {{"client", "web"}, {"batch", 7}};
    record.latency = std::chrono::milliseconds(1234);
    record.created_at = created_at;
    return record;
}

}  // namespace vg::store::testing
