// Batch jobs beyond one process's happy path: completion webhooks (signed, retried), leases renewed
// while the model is slow, a 200-image job through a kill -9, and two replicas sharing the work
// through a Redis stream and one PostgreSQL database (real servers on loopback; skipped without them).
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "business_jobs_fixture.hpp"
#include "support/jwt_tokens.hpp"
#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"

namespace vg::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "webhook-secret-for-tests-0123456789";

std::string hex(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 0xf];
    }
    return out;
}

// What a receiver does: recompute the HMAC of "<t>.<body>" and compare.
bool signature_valid(const RecordedRequest& request) {
    const std::string header(request.headers.get_or("X-VisionGrid-Signature", ""));
    const auto comma = header.find(",v1=");
    if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
    const std::string timestamp = header.substr(2, comma - 2);
    return header.substr(comma + 4) == hex(hmac_sha256(kSecret, timestamp + "." + request.body));
}

std::vector<std::string> webhook_settings() {
    return {"business.jobs.webhook.allowed_hosts=[\"127.0.0.1\"]", "business.jobs.webhook.allow_private_addresses=true",
            std::string("business.jobs.webhook.secret=") + kSecret, "business.jobs.webhook.retry_initial=100ms"};
}

class BusinessJobsScaleTest : public BusinessJobsTest {
protected:
    // Items this process finished as done, from its /metrics.
    static int finished_items(unsigned short port) {
        const auto metrics = http_request(port, "GET", "/metrics");
        const std::string name = "visiongrid_business_job_items_total{outcome=\"done\"} ";
        const auto at = metrics ? metrics->body.find(name) : std::string::npos;
        return at == std::string::npos ? 0 : std::stoi(metrics->body.substr(at + name.size()));
    }
};

TEST_F(BusinessJobsScaleTest, FinishedJobIsPostedToItsWebhookSignedWithTheSecret) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    FakeUpstream receiver([](const RecordedRequest&) { return Reply::respond(204); });
    start(model.port(), webhook_settings());
    const std::string hook = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks/jobs?tenant=7";
    auto id = created_id(submit_files("product_review", 3, {{"webhook_url", hook}}));
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(receiver.wait_for_requests(1, 30s)) << "no webhook arrived";
    const auto delivery = receiver.requests().front();
    EXPECT_EQ(delivery.method, "POST");
    EXPECT_EQ(delivery.target, "/hooks/jobs?tenant=7");
    EXPECT_EQ(delivery.headers.get_or("Content-Type", ""), "application/json");
    EXPECT_EQ(delivery.headers.get_or("X-VisionGrid-Delivery", ""), id);
    EXPECT_TRUE(signature_valid(delivery)) << delivery.headers.get_or("X-VisionGrid-Signature", "(none)");
    const auto body = json::parse(delivery.body);
    EXPECT_EQ(body["event"], "job.finished");
    EXPECT_EQ(body["job"]["id"], id);
    EXPECT_EQ(body["job"]["state"], "done");
    EXPECT_EQ(body["job"]["done"], 3);
    EXPECT_EQ(body["job"]["items"].size(), 3u);

    // The job shows the delivery; it is not sent again.
    json job;
    const auto until = std::chrono::steady_clock::now() + 10s;
    do {
        job = json::parse(http_request(port_, "GET", "/api/jobs/" + id)->body);
    } while (job["webhook"]["state"] != "delivered" && std::chrono::steady_clock::now() < until);
    EXPECT_EQ(job["webhook"]["state"], "delivered") << job.dump();
    EXPECT_EQ(job["webhook"]["attempts"], 1);
    EXPECT_FALSE(receiver.wait_for_requests(2, 500ms)) << "a delivered webhook was sent again";
}

TEST_F(BusinessJobsScaleTest, AFailingWebhookIsRetriedUntilTheReceiverTakesIt) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    std::atomic<int> calls{0};
    FakeUpstream receiver([&](const RecordedRequest&) { return Reply::respond(++calls < 3 ? 500 : 200); });
    start(model.port(), webhook_settings());
    const std::string hook = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
    auto id = created_id(submit_files("product_review", 1, {{"webhook_url", hook}}));
    ASSERT_TRUE(receiver.wait_for_requests(3, 30s));
    const auto deliveries = receiver.requests();
    EXPECT_EQ(deliveries[0].headers.get_or("X-VisionGrid-Attempt", ""), "1");
    EXPECT_EQ(deliveries[2].headers.get_or("X-VisionGrid-Attempt", ""), "3");
    for (const auto& delivery : deliveries) EXPECT_TRUE(signature_valid(delivery));
    json job;
    const auto until = std::chrono::steady_clock::now() + 10s;
    do {
        job = json::parse(http_request(port_, "GET", "/api/jobs/" + id)->body);
    } while (job["webhook"]["state"] != "delivered" && std::chrono::steady_clock::now() < until);
    EXPECT_EQ(job["webhook"]["state"], "delivered") << job.dump();
    EXPECT_EQ(job["webhook"]["attempts"], 3);
}

TEST_F(BusinessJobsScaleTest, WebhookUrlsAreCheckedWhenTheJobIsSubmitted) {
    FakeJobModel model;
    start(model.port());
    auto disabled = submit_files("product_review", 1, {{"webhook_url", "http://127.0.0.1:9/hook"}});
    ASSERT_TRUE(disabled);
    EXPECT_EQ(disabled->status, 400);
    EXPECT_EQ(code_of(*disabled), "webhooks_disabled");
    stop();

    start(model.port(), webhook_settings());
    auto elsewhere = submit_files("product_review", 1, {{"webhook_url", "http://hooks.example.com/hook"}});
    ASSERT_TRUE(elsewhere);
    EXPECT_EQ(elsewhere->status, 400);
    EXPECT_EQ(code_of(*elsewhere), "url_host_not_allowed");
    auto scheme = submit_files("product_review", 1, {{"webhook_url", "file:///etc/passwd"}});
    ASSERT_TRUE(scheme);
    EXPECT_EQ(scheme->status, 400) << scheme->body;
}

TEST_F(BusinessJobsScaleTest, LeasesAreRenewedWhileTheModelTakesLongerThanOneLease) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    auto gate = std::make_shared<Gate>();
    model.hold(gate);
    // Three threads, two items: the idle thread would take an item whose lease ran out.
    start(model.port(), {"business.jobs.concurrency=3", "business.jobs.lease=300ms"}, "20s");
    auto id = created_id(submit_files("product_review", 2));
    ASSERT_FALSE(id.empty());
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (model.request_count() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(model.request_count(), 2u);
    // Five leases pass with the answers held back: nothing may be taken twice meanwhile.
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(model.request_count(), 2u) << "an item was taken again while its worker still waited on the model";
    gate->open();
    auto job = wait_finished(id);
    EXPECT_EQ(job["done"], 2) << job.dump();
    for (const auto& item : job["items"]) EXPECT_EQ(item["attempts"], 1) << item.dump();
}

TEST_F(BusinessJobsScaleTest, TwoHundredImagesCompleteWithProgressThroughAKillNine) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    start(model.port(), {"business.jobs.concurrency=4", "business.jobs.lease=1s"});
    auto id = created_id(submit_files("product_review", 200));
    ASSERT_FALSE(id.empty());
    // Progress is visible while it runs; kill it part way.
    std::vector<int> progress;
    json job;
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < until) {
        job = json::parse(http_request(port_, "GET", "/api/jobs/" + id)->body);
        const int done = job["done"].get<int>();
        if (progress.empty() || progress.back() != done) progress.push_back(done);
        if (done >= 60) break;
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(job["done"].get<int>(), 60) << job.dump();
    EXPECT_LT(job["done"].get<int>(), 200) << "the job finished before it could be killed";
    EXPECT_EQ(job["done"].get<int>() + job["pending"].get<int>() + job["failed"].get<int>(), 200);
    EXPECT_GE(progress.size(), 3u) << "progress was not visible along the way";
    stop(SIGKILL);

    start(model.port(), {"business.jobs.concurrency=4", "business.jobs.lease=1s"});
    job = wait_finished(id, 120s);
    EXPECT_EQ(job["state"], "done");
    EXPECT_EQ(job["done"], 200) << job.dump();
    std::set<std::string> result_ids;
    for (const auto& item : job["items"]) {
        EXPECT_EQ(item["state"], "done");
        result_ids.insert(item["result_id"].get<std::string>());
    }
    EXPECT_EQ(result_ids.size(), 200u) << "every item has its own result";
    const auto answers = model.answers();
    EXPECT_EQ(answers.size(), 200u) << "every image reached the model";
    int repeated = 0;
    for (const auto& [image, count] : answers) repeated += count - 1;
    // Only items in flight at the kill (at most the concurrency) may have been asked twice.
    EXPECT_LE(repeated, 4);
}

TEST_F(BusinessJobsScaleTest, TwoReplicasShareAJobThroughARedisStream) {
    if (!redis_server_available()) GTEST_SKIP() << "redis-server is not installed";
    if (auto reason = postgres_unavailable_reason()) GTEST_SKIP() << *reason;
    RedisServer redis;
    PostgresServer postgres;
    postgres.create_database("jobs");
    FakeJobModel model;
    model.answer(review_answer().dump());
    // The store sweep is an hour away: only the stream can hand the items out within the test.
    const std::vector<std::string> shared{"business.store.url=" + postgres.url("jobs"), "business.jobs.queue.backend=redis",
                                          "business.jobs.queue.redis.port=" + std::to_string(redis.port()),
                                          "business.jobs.queue.sweep_interval=1h", "business.jobs.poll_interval=50ms",
                                          "business.jobs.concurrency=2"};
    auto gate = std::make_shared<Gate>();
    model.hold(gate);
    start(model.port(), shared);
    auto replica = spawn(model.port(), shared);
    const unsigned short replica_port = replica->wait_for_port();
    auto id = created_id(submit_files("product_review", 40, {}, replica_port));
    ASSERT_FALSE(id.empty());
    // Four items in flight at once need both replicas: each runs two threads.
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (model.request_count() < 4 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(model.request_count(), 4u);
    gate->open();
    auto job = wait_finished(id, 60s);
    EXPECT_EQ(job["done"], 40) << job.dump();
    for (const auto& item : job["items"]) EXPECT_EQ(item["attempts"], 1) << item.dump();
    const auto answers = model.answers();
    EXPECT_EQ(answers.size(), 40u);
    for (const auto& [image, count] : answers) EXPECT_EQ(count, 1) << "an image was answered twice";
    const int first = finished_items(port_), second = finished_items(replica_port);
    EXPECT_GT(first, 0);
    EXPECT_GT(second, 0);
    EXPECT_EQ(first + second, 40) << "each item was finished by exactly one replica";
    const auto results = json::parse(http_request(port_, "GET", "/api/results?task=product_review&limit=100")->body);
    EXPECT_EQ(results["items"].size(), 40u) << "the replicas share one results database";
    replica->signal(SIGTERM);
    replica->wait(10s);
}

}  // namespace
}  // namespace vg::test
