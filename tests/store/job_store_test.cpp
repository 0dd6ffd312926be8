// The JobStore contract, run against every backend: SQLite on a file, SQLite in memory and a real
// PostgreSQL server (skipped where none can run).
#include "store/job_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/store_config.hpp"
#include "store_backends.hpp"

namespace vg::store {
namespace {

using namespace std::chrono_literals;

constexpr auto kShortLease = 50ms;
constexpr auto kLongLease = 60s;

// Bytes as an upload has them: not UTF-8, a NUL inside.
std::string payload_of(std::size_t index) {
    return std::string("\xff\xd8") + '\0' + "bytes-" + std::to_string(index);
}

struct SqliteFileJobs {
    static constexpr bool kReopens = true;
    std::optional<std::string> skip_reason() const { return std::nullopt; }
    void prepare() {}
    std::string url() const { return "sqlite://" + (dir.path() / "jobs.db").string(); }
    testing::TempDir dir;
};

struct SqliteMemoryJobs {
    static constexpr bool kReopens = false;  // each ":memory:" store is a database of its own
    std::optional<std::string> skip_reason() const { return std::nullopt; }
    void prepare() {}
    std::string url() const { return "sqlite://:memory:"; }
};

struct PostgresJobs {
    static constexpr bool kReopens = true;
    std::optional<std::string> skip_reason() const { return test::postgres_unavailable_reason(); }
    void prepare() { database = testing::fresh_database(); }
    std::string url() const { return testing::shared_postgres_server()->url(database); }
    std::string database;
};

template <class Backend>
class JobStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto reason = backend_.skip_reason()) GTEST_SKIP() << *reason;
        backend_.prepare();
        store_ = open();
    }

    std::unique_ptr<JobStore> open(int max_attempts = kDefaultMaxAttempts) {
        StoreConfig config;
        config.url = backend_.url();
        return open_job_store(config, max_attempts);
    }

    JobRecord create(std::size_t items, JobStore* store = nullptr) {
        JobRecord job;
        job.task = "product_analysis";
        job.caller_reference = "batch-7";
        job.metadata = {{"client", "web"}};
        job.webhook_url = "https://example.com/hook";
        std::vector<std::string> sources;
        std::vector<std::string> payloads;
        for (std::size_t i = 0; i < items; ++i) {
            sources.push_back("upload:image-" + std::to_string(i) + ".jpg");
            payloads.push_back(payload_of(i));
        }
        (store ? store : store_.get())->create(job, sources, payloads);
        return job;
    }

    // Claims until `owner` gets something or `deadline` passes: how a test waits for leases to expire.
    std::vector<JobItem> claim_within(JobStore& store, const std::string& owner, std::size_t max,
                                      std::chrono::milliseconds deadline = 5s) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < until) {
            auto claimed = store.claim(owner, max, kLongLease);
            if (!claimed.empty()) return claimed;
            std::this_thread::sleep_for(5ms);
        }
        return {};
    }

    Backend backend_;
    std::unique_ptr<JobStore> store_;
};

struct BackendNames {
    template <class T>
    static std::string GetName(int) {
        if constexpr (std::is_same_v<T, SqliteFileJobs>) return "SqliteFile";
        if constexpr (std::is_same_v<T, SqliteMemoryJobs>) return "SqliteMemory";
        if constexpr (std::is_same_v<T, PostgresJobs>) return "Postgres";
        return "Unknown";
    }
};

using Backends = ::testing::Types<SqliteFileJobs, SqliteMemoryJobs, PostgresJobs>;
TYPED_TEST_SUITE(JobStoreTest, Backends, BackendNames);

TYPED_TEST(JobStoreTest, CreatesAJobWithPendingItemsAndPayloads) {
    const JobRecord created = this->create(3);
    EXPECT_EQ(created.id.size(), 26u);
    EXPECT_EQ(created.state, "running");

    const auto job = this->store_->get(created.id);
    ASSERT_TRUE(job);
    EXPECT_EQ(job->task, "product_analysis");
    EXPECT_EQ(job->caller_reference, "batch-7");
    EXPECT_EQ(job->metadata, (nlohmann::json{{"client", "web"}}));
    EXPECT_EQ(job->webhook_url, "https://example.com/hook");
    EXPECT_EQ(job->state, "running");
    EXPECT_EQ(job->created_at, created.created_at);
    EXPECT_EQ(job->total, 3u);
    EXPECT_EQ(job->pending, 3u);
    EXPECT_EQ(job->done, 0u);
    EXPECT_EQ(job->failed, 0u);

    const auto items = this->store_->items(created.id);
    ASSERT_EQ(items.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(items[i].index, i);
        EXPECT_EQ(items[i].state, "pending");
        EXPECT_EQ(items[i].attempts, 0);
        EXPECT_EQ(items[i].source, "upload:image-" + std::to_string(i) + ".jpg");
    }
    EXPECT_EQ(this->store_->payload(created.id, 1), payload_of(1));
    EXPECT_FALSE(this->store_->get("01J0000000000000000000000X"));
    EXPECT_TRUE(this->store_->items("01J0000000000000000000000X").empty());
}

TYPED_TEST(JobStoreTest, RejectsBadJobs) {
    JobRecord job;
    job.task = "product_analysis";
    EXPECT_THROW(this->store_->create(job, {}, {}), std::invalid_argument);
    EXPECT_THROW(this->store_->create(job, {"a", "b"}, {"x"}), std::invalid_argument);
    job.metadata = nlohmann::json::array();
    EXPECT_THROW(this->store_->create(job, {"a"}, {}), std::invalid_argument);
    job.metadata = nullptr;
    job.task.clear();
    EXPECT_THROW(this->store_->create(job, {"a"}, {}), std::invalid_argument);
}

TYPED_TEST(JobStoreTest, ConcurrentOwnersClaimDistinctItems) {
    const JobRecord job = this->create(40);
    std::vector<std::vector<JobItem>> claimed(4);
    std::vector<std::thread> owners;
    for (std::size_t o = 0; o < claimed.size(); ++o) {
        owners.emplace_back([&, o] {
            while (true) {
                auto batch = this->store_->claim("owner-" + std::to_string(o), 3, kLongLease);
                if (batch.empty()) return;
                claimed[o].insert(claimed[o].end(), batch.begin(), batch.end());
            }
        });
    }
    for (auto& owner : owners) owner.join();

    std::set<int> seen;
    for (std::size_t o = 0; o < claimed.size(); ++o) {
        for (const auto& item : claimed[o]) {
            EXPECT_TRUE(seen.insert(item.index).second) << "item " << item.index << " claimed twice";
            EXPECT_EQ(item.state, "running");
            EXPECT_EQ(item.attempts, 1);
            EXPECT_EQ(item.lease_owner, "owner-" + std::to_string(o));
            EXPECT_EQ(item.job_id, job.id);
        }
    }
    EXPECT_EQ(seen.size(), 40u);
    EXPECT_TRUE(this->store_->claim("late", 10, kLongLease).empty());
}

TYPED_TEST(JobStoreTest, ExpiredLeaseIsReclaimedAndTheOldOwnerIsRefused) {
    const JobRecord job = this->create(1);
    const auto first = this->store_->claim("worker-a", 1, kShortLease);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_TRUE(this->store_->claim("worker-b", 1, kLongLease).empty()) << "the lease is still held";

    const auto second = this->claim_within(*this->store_, "worker-b", 1);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].index, first[0].index);
    EXPECT_EQ(second[0].attempts, 2);
    EXPECT_EQ(second[0].lease_owner, "worker-b");

    EXPECT_FALSE(this->store_->renew(first[0], "worker-a", kLongLease));
    EXPECT_FALSE(this->store_->complete(first[0], "worker-a", "late-result"));
    EXPECT_FALSE(this->store_->fail(first[0], "worker-a", "late failure", true));
    EXPECT_TRUE(this->store_->renew(second[0], "worker-b", kLongLease));
    EXPECT_TRUE(this->store_->complete(second[0], "worker-b", "result-b"));

    const auto items = this->store_->items(job.id);
    EXPECT_EQ(items[0].state, "done");
    EXPECT_EQ(items[0].result_id, "result-b");
    EXPECT_FALSE(this->store_->complete(second[0], "worker-b", "again")) << "finished items stay finished";
}

TYPED_TEST(JobStoreTest, CompletingEveryItemFinishesTheJob) {
    const JobRecord job = this->create(3);
    const auto claimed = this->store_->claim("worker", 10, kLongLease);
    ASSERT_EQ(claimed.size(), 3u);
    EXPECT_TRUE(this->store_->complete(claimed[0], "worker", "r0"));
    EXPECT_TRUE(this->store_->fail(claimed[1], "worker", "not an image", false));
    auto job_now = this->store_->get(job.id);
    EXPECT_EQ(job_now->state, "running");
    EXPECT_EQ(job_now->done, 1u);
    EXPECT_EQ(job_now->failed, 1u);
    EXPECT_EQ(job_now->pending, 1u);
    EXPECT_EQ(this->store_->payload(job.id, 2), payload_of(2));

    EXPECT_TRUE(this->store_->complete(claimed[2], "worker", "r2"));
    job_now = this->store_->get(job.id);
    EXPECT_EQ(job_now->state, "done");
    EXPECT_EQ(job_now->done, 2u);
    EXPECT_EQ(job_now->failed, 1u);
    EXPECT_EQ(job_now->pending, 0u);
    EXPECT_GE(job_now->updated_at, job_now->created_at);
    EXPECT_EQ(this->store_->payload(job.id, 2), "") << "payloads go when the job finishes";
    const auto items = this->store_->items(job.id);
    EXPECT_EQ(items[1].error, "not an image");
    EXPECT_EQ(items[2].result_id, "r2");
}

TYPED_TEST(JobStoreTest, RetriedFailuresStopAtMaxAttempts) {
    this->store_ = this->open(2);
    const JobRecord job = this->create(1);
    auto claimed = this->store_->claim("worker", 1, kLongLease);
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_TRUE(this->store_->fail(claimed[0], "worker", "upstream timeout", true));
    EXPECT_EQ(this->store_->items(job.id)[0].state, "pending");

    claimed = this->store_->claim("worker", 1, kLongLease);
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0].attempts, 2);
    EXPECT_TRUE(this->store_->fail(claimed[0], "worker", "upstream timeout again", true));
    const auto item = this->store_->items(job.id)[0];
    EXPECT_EQ(item.state, "failed");
    EXPECT_EQ(item.error, "upstream timeout again");
    EXPECT_EQ(this->store_->get(job.id)->state, "done");
    EXPECT_TRUE(this->store_->claim("worker", 1, kLongLease).empty());
}

TYPED_TEST(JobStoreTest, AnItemWhoseWorkersKeepDyingFails) {
    this->store_ = this->open(1);
    const JobRecord job = this->create(1);
    ASSERT_EQ(this->store_->claim("worker", 1, kShortLease).size(), 1u);
    // Once the lease expires a claim finds it out of attempts: it fails rather than being leased.
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (this->store_->get(job.id)->state != "done" && std::chrono::steady_clock::now() < until) {
        EXPECT_TRUE(this->store_->claim("other", 1, kLongLease).empty());
        std::this_thread::sleep_for(5ms);
    }
    const auto item = this->store_->items(job.id)[0];
    EXPECT_EQ(item.state, "failed");
    EXPECT_EQ(item.error, "lease expired after 1 attempts");
}

TYPED_TEST(JobStoreTest, CancelledJobsAreNotClaimed) {
    const JobRecord job = this->create(2);
    const auto claimed = this->store_->claim("worker", 1, kLongLease);
    ASSERT_EQ(claimed.size(), 1u);
    this->store_->cancel(job.id);
    EXPECT_EQ(this->store_->get(job.id)->state, "cancelled");
    EXPECT_TRUE(this->store_->claim("worker", 10, kLongLease).empty());
    EXPECT_EQ(this->store_->payload(job.id, 1), "");
    // The item in flight may still record its result; the job stays cancelled.
    EXPECT_TRUE(this->store_->complete(claimed[0], "worker", "r0"));
    EXPECT_EQ(this->store_->get(job.id)->state, "cancelled");
    this->store_->cancel("01J0000000000000000000000X");
}

TYPED_TEST(JobStoreTest, ClaimsTakeTheOldestJobFirst) {
    const JobRecord older = this->create(2);
    const JobRecord newer = this->create(2);
    const auto claimed = this->store_->claim("worker", 3, kLongLease);
    ASSERT_EQ(claimed.size(), 3u);
    EXPECT_EQ(claimed[0].job_id, older.id);
    EXPECT_EQ(claimed[1].job_id, older.id);
    EXPECT_EQ(claimed[2].job_id, newer.id);
}

TYPED_TEST(JobStoreTest, AJobSurvivesACrashOfItsWorker) {
    if constexpr (!TypeParam::kReopens) {
        GTEST_SKIP() << "an in-memory database does not outlive its store";
    } else {
        const JobRecord job = this->create(3);
        {
            auto crashed = this->open();
            const auto claimed = crashed->claim("crashed-process", 2, kShortLease);
            ASSERT_EQ(claimed.size(), 2u);
            EXPECT_TRUE(crashed->complete(claimed[0], "crashed-process", "r0"));
            // Dropped without finishing claimed[1]: its worker died with the process.
        }
        this->store_.reset();
        auto restarted = this->open();
        auto job_now = restarted->get(job.id);
        ASSERT_TRUE(job_now);
        EXPECT_EQ(job_now->done, 1u);
        EXPECT_EQ(job_now->pending, 2u);

        std::multiset<int> processed{0};
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (restarted->get(job.id)->state != "done" && std::chrono::steady_clock::now() < until) {
            for (const auto& item : restarted->claim("restarted-process", 10, kLongLease)) {
                EXPECT_EQ(restarted->payload(job.id, item.index), payload_of(static_cast<std::size_t>(item.index)));
                EXPECT_TRUE(restarted->complete(item, "restarted-process", "r" + std::to_string(item.index)));
                processed.insert(item.index);
            }
            std::this_thread::sleep_for(5ms);
        }
        EXPECT_EQ(processed, (std::multiset<int>{0, 1, 2})) << "every item done exactly once";
        const auto items = restarted->items(job.id);
        EXPECT_EQ(items[0].attempts, 1);
        EXPECT_EQ(items[1].attempts, 2);
        EXPECT_EQ(items[2].attempts, 1);
        EXPECT_EQ(restarted->get(job.id)->state, "done");
    }
}

TYPED_TEST(JobStoreTest, ClaimsOneNamedItemOnceAndOnlyWhileItIsThereToTake) {
    const JobRecord job = this->create(2);
    auto first = this->store_->claim_item(job.id, 1, "replica-a", kLongLease);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->index, 1);
    EXPECT_EQ(first->state, "running");
    EXPECT_EQ(first->attempts, 1);
    EXPECT_EQ(first->lease_owner, "replica-a");
    EXPECT_FALSE(this->store_->claim_item(job.id, 1, "replica-b", kLongLease)) << "a live lease is not taken";
    EXPECT_FALSE(this->store_->claim_item(job.id, 7, "replica-b", kLongLease)) << "no such item";
    EXPECT_FALSE(this->store_->claim_item("01NOSUCHJOB000000000000000", 0, "replica-b", kLongLease));

    // The general claim skips the leased item and takes the other one.
    const auto rest = this->store_->claim("replica-b", 10, kLongLease);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].index, 0);

    ASSERT_TRUE(this->store_->complete(*first, "replica-a", "r1"));
    EXPECT_FALSE(this->store_->claim_item(job.id, 1, "replica-b", kLongLease)) << "a finished item is never redone";
}

TYPED_TEST(JobStoreTest, ClaimsANamedItemAgainOnceItsLeaseExpired) {
    const JobRecord job = this->create(1);
    auto first = this->store_->claim_item(job.id, 0, "dead-replica", kShortLease);
    ASSERT_TRUE(first);
    std::optional<JobItem> second;
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!second && std::chrono::steady_clock::now() < until) {
        second = this->store_->claim_item(job.id, 0, "live-replica", kLongLease);
        if (!second) std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(second) << "the expired lease was never given to another replica";
    EXPECT_EQ(second->attempts, 2);
    EXPECT_FALSE(this->store_->complete(*first, "dead-replica", "late")) << "the old lease is fenced off";
    EXPECT_TRUE(this->store_->complete(*second, "live-replica", "r0"));
    EXPECT_EQ(this->store_->items(job.id)[0].result_id, "r0");
}

TYPED_TEST(JobStoreTest, DoesNotClaimItemsOfACancelledJob) {
    const JobRecord job = this->create(1);
    this->store_->cancel(job.id);
    EXPECT_FALSE(this->store_->claim_item(job.id, 0, "replica", kLongLease));
}

TYPED_TEST(JobStoreTest, AFinishedJobsWebhookIsDueOnceAndHeldWhileBeingDelivered) {
    const JobRecord job = this->create(1);
    EXPECT_TRUE(this->store_->claim_webhooks(10, kLongLease).empty()) << "a running job has no webhook due";
    auto item = this->store_->claim("worker", 1, kLongLease);
    ASSERT_EQ(item.size(), 1u);
    ASSERT_TRUE(this->store_->complete(item[0], "worker", "r0"));
    EXPECT_EQ(this->store_->get(job.id)->webhook_state, "pending");

    const auto due = this->store_->claim_webhooks(10, kLongLease);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].first, job.id);
    EXPECT_EQ(due[0].second, 1);
    EXPECT_TRUE(this->store_->claim_webhooks(10, kLongLease).empty()) << "held while the first caller delivers";

    this->store_->record_webhook(job.id, 1, true, "", std::nullopt);
    const auto delivered = this->store_->get(job.id);
    EXPECT_EQ(delivered->webhook_state, "delivered");
    EXPECT_EQ(delivered->webhook_attempts, 1);
    EXPECT_TRUE(this->store_->claim_webhooks(10, 0ms).empty()) << "a delivered webhook is never sent again";
}

TYPED_TEST(JobStoreTest, AFailedWebhookIsRetriedWhenDueThenGivenUp) {
    const JobRecord job = this->create(1);
    this->store_->cancel(job.id);  // a cancelled job is finished too: its caller is told
    auto due = this->store_->claim_webhooks(10, kLongLease);
    ASSERT_EQ(due.size(), 1u);
    this->store_->record_webhook(job.id, 1, false, "status 500", std::chrono::system_clock::now());
    auto failed_once = this->store_->get(job.id);
    EXPECT_EQ(failed_once->webhook_state, "pending");
    EXPECT_EQ(failed_once->webhook_error, "status 500");

    due = this->store_->claim_webhooks(10, kLongLease);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].second, 2);
    this->store_->record_webhook(job.id, 1, true, "", std::nullopt);  // a stale attempt changes nothing
    EXPECT_EQ(this->store_->get(job.id)->webhook_state, "pending");
    this->store_->record_webhook(job.id, 2, false, "connection refused", std::nullopt);
    const auto given_up = this->store_->get(job.id);
    EXPECT_EQ(given_up->webhook_state, "failed");
    EXPECT_EQ(given_up->webhook_error, "connection refused");
    EXPECT_TRUE(this->store_->claim_webhooks(10, 0ms).empty());
}

TYPED_TEST(JobStoreTest, AJobWithoutAWebhookHasNoneDue) {
    JobRecord job;
    job.task = "product_analysis";
    this->store_->create(job, {"upload:a.png"}, {"bytes"});
    auto item = this->store_->claim("worker", 1, kLongLease);
    ASSERT_EQ(item.size(), 1u);
    ASSERT_TRUE(this->store_->complete(item[0], "worker", "r0"));
    EXPECT_EQ(this->store_->get(job.id)->state, "done");
    EXPECT_EQ(this->store_->get(job.id)->webhook_state, "");
    EXPECT_TRUE(this->store_->claim_webhooks(10, 0ms).empty());
}

}  // namespace
}  // namespace vg::store
