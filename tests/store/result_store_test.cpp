// The ResultStore contract, run against every backend: SQLite on a file, SQLite in memory and a real
// PostgreSQL server (skipped where none can run).
#include "store/result_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/result_cursor.hpp"
#include "store_backends.hpp"

namespace vg::store {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::make_record;

const std::chrono::system_clock::time_point kBase = std::chrono::sys_days{std::chrono::year{2025} / 3 / 14} + 9h;

template <class Backend>
class ResultStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto reason = backend_.skip_reason()) GTEST_SKIP() << *reason;
        backend_.prepare();
        store_ = backend_.open();
    }

    ResultRecord put(ResultRecord record) {
        store_->put(record);
        return record;
    }

    // Every record `query` reaches, page after page.
    std::vector<ResultRecord> list_all(ResultQuery query) {
        std::vector<ResultRecord> all;
        while (true) {
            ResultPage page = store_->list(query);
            all.insert(all.end(), page.items.begin(), page.items.end());
            if (page.next_cursor.empty()) return all;
            query.cursor = page.next_cursor;
        }
    }

    static std::vector<std::string> ids(const std::vector<ResultRecord>& records) {
        std::vector<std::string> out;
        for (const auto& record : records) out.push_back(record.id);
        return out;
    }

    Backend backend_;
    std::unique_ptr<ResultStore> store_;
};

struct BackendNames {
    template <class T>
    static std::string GetName(int) {
        if constexpr (std::is_same_v<T, testing::SqliteFileBackend>) return "SqliteFile";
        if constexpr (std::is_same_v<T, testing::SqliteMemoryBackend>) return "SqliteMemory";
        if constexpr (std::is_same_v<T, testing::PostgresBackend>) return "Postgres";
        return "Unknown";
    }
};

using Backends = ::testing::Types<testing::SqliteFileBackend, testing::SqliteMemoryBackend, testing::PostgresBackend>;
TYPED_TEST_SUITE(ResultStoreTest, Backends, BackendNames);

TYPED_TEST(ResultStoreTest, NamesItsBackend) {
    EXPECT_EQ(this->store_->backend(), (std::is_same_v<TypeParam, testing::PostgresBackend> ? "postgresql" : "sqlite"));
}

TYPED_TEST(ResultStoreTest, PutAssignsATimeOrderedIdAndCreationTime) {
    const auto before = std::chrono::system_clock::now();
    ResultRecord first = this->put(make_record());
    ResultRecord second = this->put(make_record());
    const auto after = std::chrono::system_clock::now();

    EXPECT_EQ(first.id.size(), 26u);
    EXPECT_LT(first.id, second.id);
    EXPECT_GE(first.created_at, before - 1us);
    EXPECT_LE(second.created_at, after);
    EXPECT_EQ(first.created_at.time_since_epoch() % 1us, std::chrono::system_clock::duration::zero());
}

TYPED_TEST(ResultStoreTest, RoundTripsEveryField) {
    ResultRecord record;
    record.id = "caller-chosen_id.1:a";
    record.task = "homework_correction";
    record.caller_reference = "élève 7 — 作业 🧮";
    record.image_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    record.model = "qwen3-vl";
    record.prompt_version = "homework/v2";
    record.raw_output = "Réponse : « 3 × 4 = 12 » ✓\n\t\"quoted\" \\ backslash 🎉";
    record.result = {
        {"score", 8.5},
        {"max", 10},
        {"negative", -42},
        {"big", 18446744073709551615ull},
        {"passed", true},
        {"missing", nullptr},
        {"feedback", "très bien 👍"},
        {"ключ", {{"nested", {1, 2.25, "три", false}}}},
        {"empty", nlohmann::json::object()},
        {"list", nlohmann::json::array()},
    };
    record.status = "ok";
    record.metadata = {{"classroom", "5B"}, {"attempt", 2}};
    record.latency = 987ms;
    record.created_at = kBase + 123456789ns;  // below a microsecond is dropped
    this->store_->put(record);
    EXPECT_EQ(record.created_at, kBase + 123456us);

    auto stored = this->store_->get(record.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(*stored, record);
    EXPECT_EQ(stored->result["big"].template get<std::uint64_t>(), 18446744073709551615ull);
}

TYPED_TEST(ResultStoreTest, RoundTripsAMegabyteOfRawOutput) {
    ResultRecord record = make_record();
    record.raw_output.reserve(1 << 20);
    while (record.raw_output.size() < (1u << 20)) record.raw_output += "0123456789abcdef\xC3\xA9\n";
    this->store_->put(record);
    auto stored = this->store_->get(record.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->raw_output.size(), record.raw_output.size());
    EXPECT_EQ(stored->raw_output, record.raw_output);
}

TYPED_TEST(ResultStoreTest, KeepsNullResultAndMetadata) {
    ResultRecord record = make_record("product_review", "model_output_invalid");
    record.result = nullptr;
    record.metadata = nullptr;
    this->store_->put(record);
    auto stored = this->store_->get(record.id);
    ASSERT_TRUE(stored);
    EXPECT_TRUE(stored->result.is_null());
    EXPECT_TRUE(stored->metadata.is_null());
    EXPECT_EQ(stored->error, record.error);
}

TYPED_TEST(ResultStoreTest, ReplacesInvalidUtf8SoEveryBackendStoresTheSame) {
    ResultRecord record = make_record();
    record.raw_output = std::string("cut mid-character: \xE2\x82") + std::string(1, '\0') + "end";
    record.result = {{"text", "bad \xFF byte"}};
    this->store_->put(record);
    EXPECT_EQ(record.raw_output,
              "cut mid-character: \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
              "end");
    EXPECT_EQ(record.result["text"], "bad \xEF\xBF\xBD byte");
    auto stored = this->store_->get(record.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(*stored, record);
}

TYPED_TEST(ResultStoreTest, UnknownIdIsNullopt) {
    this->put(make_record());
    EXPECT_FALSE(this->store_->get("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
    EXPECT_FALSE(this->store_->get(""));
    EXPECT_FALSE(this->store_->get("../../etc/passwd"));
    EXPECT_FALSE(this->store_->get("caf\xC3\xA9"));
}

TYPED_TEST(ResultStoreTest, ADuplicateIdIsAStoreError) {
    ResultRecord record = make_record();
    record.id = "my-result-1";
    this->store_->put(record);
    ResultRecord again = make_record();
    again.id = "my-result-1";
    try {
        this->store_->put(again);
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), HasSubstr("my-result-1"));
    }
    // The store is still usable afterwards (the failed transaction is gone).
    this->put(make_record());
}

TYPED_TEST(ResultStoreTest, RejectsRecordsItCannotMean) {
    ResultRecord unknown_status = make_record("product_analysis", "maybe");
    EXPECT_THROW(this->store_->put(unknown_status), std::invalid_argument);
    ResultRecord no_task = make_record("");
    EXPECT_THROW(this->store_->put(no_task), std::invalid_argument);
    ResultRecord list_metadata = make_record();
    list_metadata.metadata = {1, 2, 3};
    EXPECT_THROW(this->store_->put(list_metadata), std::invalid_argument);
    ResultRecord bad_id = make_record();
    bad_id.id = "has space";
    EXPECT_THROW(this->store_->put(bad_id), std::invalid_argument);
    EXPECT_TRUE(this->store_->list({}).items.empty());
}

TYPED_TEST(ResultStoreTest, ListsNewestFirst) {
    std::vector<std::string> expected;
    for (int i = 0; i < 5; ++i)
        expected.insert(expected.begin(), this->put(make_record("product_analysis", "ok", kBase + i * 1s)).id);
    ResultPage page = this->store_->list({});
    EXPECT_EQ(this->ids(page.items), expected);
    EXPECT_TRUE(page.next_cursor.empty());
}

TYPED_TEST(ResultStoreTest, FiltersByTaskStatusAndSince) {
    const auto a = this->put(make_record("product_analysis", "ok", kBase + 1s));
    const auto b = this->put(make_record("product_review", "ok", kBase + 2s));
    const auto c = this->put(make_record("product_analysis", "failed", kBase + 3s));
    const auto d = this->put(make_record("medical_analysis", "model_output_invalid", kBase + 4s));
    const auto e = this->put(make_record("product_analysis", "ok", kBase + 5s));

    ResultQuery by_task;
    by_task.task = "product_analysis";
    EXPECT_EQ(this->ids(this->store_->list(by_task).items), (std::vector{e.id, c.id, a.id}));

    ResultQuery by_status;
    by_status.status = "ok";
    EXPECT_EQ(this->ids(this->store_->list(by_status).items), (std::vector{e.id, b.id, a.id}));

    ResultQuery since;
    since.since = kBase + 3s;  // inclusive
    EXPECT_EQ(this->ids(this->store_->list(since).items), (std::vector{e.id, d.id, c.id}));

    ResultQuery all_three;
    all_three.task = "product_analysis";
    all_three.status = "ok";
    all_three.since = kBase + 2s;
    EXPECT_EQ(this->ids(this->store_->list(all_three).items), (std::vector{e.id}));

    ResultQuery none;
    none.task = "homework_correction";
    EXPECT_TRUE(this->store_->list(none).items.empty());
}

TYPED_TEST(ResultStoreTest, PagesReachEveryRecordOnceWhileNewOnesArrive) {
    std::vector<std::string> originals;
    for (int i = 0; i < 6; ++i) originals.insert(originals.begin(), this->put(make_record()).id);

    ResultQuery query;
    query.limit = 2;
    std::vector<std::string> seen;
    int pages = 0;
    while (true) {
        ResultPage page = this->store_->list(query);
        ++pages;
        for (const auto& record : page.items) seen.push_back(record.id);
        // Newer records arrive between page requests; they belong before the cursor.
        this->put(make_record());
        this->put(make_record("product_review"));
        if (page.next_cursor.empty()) break;
        query.cursor = page.next_cursor;
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen, originals);
}

TYPED_TEST(ResultStoreTest, PagesBreakTiesOnCreationTimeById) {
    std::vector<std::string> expected;
    for (int i = 0; i < 5; ++i) expected.push_back(this->put(make_record("product_analysis", "ok", kBase)).id);
    std::sort(expected.rbegin(), expected.rend());
    ResultQuery query;
    query.limit = 2;
    EXPECT_EQ(this->ids(this->list_all(query)), expected);
}

TYPED_TEST(ResultStoreTest, PagesKeepTheirFilters) {
    std::vector<std::string> reviews;
    for (int i = 0; i < 7; ++i) {
        this->put(make_record("product_analysis", "ok", kBase + i * 1s));
        reviews.insert(reviews.begin(), this->put(make_record("product_review", "ok", kBase + i * 1s)).id);
    }
    ResultQuery query;
    query.task = "product_review";
    query.limit = 3;
    EXPECT_EQ(this->ids(this->list_all(query)), reviews);
}

TYPED_TEST(ResultStoreTest, RejectsMalformedCursorsAndLimits) {
    this->put(make_record());
    for (const std::string& cursor :
         std::vector<std::string>{"%%%", "abc", "eC55", encode_cursor({-5, "bad id"}), std::string(600, 'A')}) {
        ResultQuery query;
        query.cursor = cursor;
        EXPECT_THROW(this->store_->list(query), std::invalid_argument) << cursor;
    }
    ResultQuery zero;
    zero.limit = 0;
    EXPECT_THROW(this->store_->list(zero), std::invalid_argument);
    ResultQuery too_many;
    too_many.limit = kMaxListLimit + 1;
    EXPECT_THROW(this->store_->list(too_many), std::invalid_argument);
    ResultQuery most;
    most.limit = kMaxListLimit;
    EXPECT_EQ(this->store_->list(most).items.size(), 1u);
}

TYPED_TEST(ResultStoreTest, ConcurrentPutsFromEightThreadsLoseNothing) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 25;
    std::vector<std::vector<std::string>> ids(kThreads);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                try {
                    ResultRecord record = make_record(t % 2 ? "product_review" : "product_analysis");
                    record.caller_reference = std::to_string(t) + "/" + std::to_string(i);
                    this->store_->put(record);
                    ids[static_cast<std::size_t>(t)].push_back(record.id);
                    auto stored = this->store_->get(record.id);
                    if (!stored || stored->caller_reference != record.caller_reference) ++failures;
                } catch (const std::exception& e) {
                    ++failures;
                    ADD_FAILURE() << e.what();
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);

    std::set<std::string> unique;
    for (const auto& list : ids) unique.insert(list.begin(), list.end());
    EXPECT_EQ(unique.size(), static_cast<std::size_t>(kThreads * kPerThread));
    // Each thread's ids come out in the order it made them.
    for (const auto& list : ids) EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));

    ResultQuery query;
    query.limit = 64;
    const auto listed = this->ids(this->list_all(query));
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), unique);
    EXPECT_EQ(listed.size(), unique.size());
}

}  // namespace
}  // namespace vg::store
