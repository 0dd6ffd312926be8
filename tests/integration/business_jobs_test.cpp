// Batch jobs of `visiongrid business` end to end: the real binary with a SQLite store in a temporary
// directory, a fake model service whose answers each test chooses, and a fake web server for URL items.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "business_jobs_fixture.hpp"
#include "support/child_process.hpp"
#include "support/fake_upstream.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using image::testing::encode;
using image::testing::solid;

TEST_F(BusinessJobsTest, MultipartJobOfFiveImagesCompletesWithReadableResults) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    start(model.port());
    auto response = submit_files("product_review", 5);
    auto id = created_id(response);
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(response->headers.get_or("Location", ""), "/api/jobs/" + id);
    EXPECT_EQ(json::parse(response->body)["total"], 5);
    auto job = wait_finished(id);
    EXPECT_EQ(job["state"], "done");
    EXPECT_EQ(job["task"], "product_review");
    EXPECT_EQ(job["total"], 5);
    EXPECT_EQ(job["done"], 5);
    EXPECT_EQ(job["failed"], 0);
    EXPECT_EQ(job["pending"], 0);
    EXPECT_FALSE(job["eta_seconds"].is_null());
    ASSERT_EQ(job["items"].size(), 5u);
    for (const auto& item : job["items"]) {
        EXPECT_EQ(item["state"], "done") << item.dump();
        auto stored = result(item["result_id"].get<std::string>());
        EXPECT_EQ(stored["status"], "ok");
        EXPECT_EQ(stored["result"]["verdict"], "pass");
    }
    EXPECT_EQ(model.answers().size(), 5u);

    auto missing = http_request(port_, "GET", "/api/jobs/01NOPE");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(code_of(*missing), "job_not_found");
}

TEST_F(BusinessJobsTest, InvalidModelOutputFinishesItemsWithInvalidResults) {
    FakeJobModel model;
    model.answer("I think it is a mug, probably fine.");
    start(model.port());
    auto id = created_id(submit_files("product_analysis", 2));
    ASSERT_FALSE(id.empty());
    auto job = wait_finished(id);
    EXPECT_EQ(job["state"], "done");
    EXPECT_EQ(job["done"], 2);
    for (const auto& item : job["items"]) {
        EXPECT_EQ(item["state"], "done") << item.dump();
        auto stored = result(item["result_id"].get<std::string>());
        EXPECT_EQ(stored["status"], "model_output_invalid");
        EXPECT_EQ(stored["raw_output"], "I think it is a mug, probably fine.");
    }
}

TEST_F(BusinessJobsTest, UrlItemsAreFetchedFromAllowedPrivateHosts) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    FakeUpstream web([](const RecordedRequest&) { return Reply::respond(200, image(1)).header("Content-Type", "image/png"); });
    start(model.port(), {"business.jobs.fetch.allowed_hosts=[\"127.0.0.1\"]", "business.jobs.fetch.allow_private_addresses=true"});
    auto id = created_id(submit_json({{"task", "product_review"}, {"urls", {web.url("/a.png"), web.url("/b.png")}}, {"caller_reference", "batch-1"}}));
    ASSERT_FALSE(id.empty());
    auto job = wait_finished(id);
    EXPECT_EQ(job["state"], "done");
    EXPECT_EQ(job["done"], 2);
    EXPECT_EQ(job["items"][0]["source"], web.url("/a.png"));
    auto stored = result(job["items"][0]["result_id"].get<std::string>());
    EXPECT_EQ(stored["status"], "ok");
    EXPECT_EQ(stored["caller_reference"], "batch-1");
    EXPECT_EQ(web.requests().size(), 2u);
}

TEST_F(BusinessJobsTest, UrlToAPrivateAddressFailsTheItemWhenNotAllowed) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    FakeUpstream web([](const RecordedRequest&) { return Reply::respond(200, image(1)).header("Content-Type", "image/png"); });
    start(model.port(), {"business.jobs.fetch.allowed_hosts=[\"127.0.0.1\"]"});
    auto id = created_id(submit_json({{"task", "product_review"}, {"urls", {web.url("/a.png")}}}));
    ASSERT_FALSE(id.empty());
    auto job = wait_finished(id);
    EXPECT_EQ(job["failed"], 1);
    ASSERT_EQ(job["items"].size(), 1u);
    EXPECT_EQ(job["items"][0]["state"], "failed");
    EXPECT_NE(job["items"][0]["error"].get<std::string>().find("url_address_not_allowed"), std::string::npos) << job.dump();
    EXPECT_TRUE(web.requests().empty());
    EXPECT_EQ(model.request_count(), 0u);
}

TEST_F(BusinessJobsTest, BadSubmissionsGetExactErrors) {
    FakeJobModel model;
    start(model.port(), {"business.jobs.max_items=3"});
    auto unknown = submit_json({{"task", "fortune_telling"}, {"urls", {"http://example.com/a.png"}}});
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 400);
    EXPECT_EQ(code_of(*unknown), "unknown_task");
    auto unknown_multipart = submit_files("fortune_telling", 1);
    ASSERT_TRUE(unknown_multipart);
    EXPECT_EQ(unknown_multipart->status, 400);
    EXPECT_EQ(code_of(*unknown_multipart), "unknown_task");
    auto no_files = submit_files("product_review", 0);
    ASSERT_TRUE(no_files);
    EXPECT_EQ(no_files->status, 400);
    EXPECT_EQ(code_of(*no_files), "missing_field");
    auto too_many = submit_files("product_review", 4);
    ASSERT_TRUE(too_many);
    EXPECT_EQ(too_many->status, 413);
    auto disabled = submit_json({{"task", "product_review"}, {"urls", {"http://example.com/a.png"}}});
    ASSERT_TRUE(disabled);
    EXPECT_EQ(disabled->status, 400);
    EXPECT_EQ(code_of(*disabled), "url_fetching_disabled");
    EXPECT_EQ(model.request_count(), 0u);
}

TEST_F(BusinessJobsTest, UrlsMustBeHttpWhenFetchingIsOn) {
    FakeJobModel model;
    start(model.port(), {"business.jobs.fetch.allowed_hosts=[\"127.0.0.1\"]"});
    auto bad = submit_json({{"task", "product_review"}, {"urls", {"ftp://127.0.0.1/a.png"}}});
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << bad->body;
}

TEST_F(BusinessJobsTest, DeleteCancelsARunningJob) {
    FakeJobModel model;
    model.stall(true);
    start(model.port());
    auto id = created_id(submit_files("product_review", 3));
    ASSERT_FALSE(id.empty());
    auto cancelled = http_request(port_, "DELETE", "/api/jobs/" + id);
    ASSERT_TRUE(cancelled);
    EXPECT_EQ(cancelled->status, 200) << cancelled->body;
    auto job = wait_finished(id);
    EXPECT_EQ(job["state"], "cancelled");
    auto missing = http_request(port_, "DELETE", "/api/jobs/01NOPE");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
}

TEST_F(BusinessJobsTest, JobSurvivesKillNineAndEveryItemIsDoneExactlyOnce) {
    FakeJobModel model;
    model.answer(review_answer().dump());
    model.stall(true);
    start(model.port(), {"business.jobs.concurrency=2", "business.jobs.lease=500ms"}, "3s");
    auto id = created_id(submit_files("product_review", 5));
    ASSERT_FALSE(id.empty());
    // Items are in flight once the model has been asked.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (model.request_count() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    ASSERT_GE(model.request_count(), 2u);
    stop(SIGKILL);

    model.stall(false);
    start(model.port(), {"business.jobs.concurrency=2", "business.jobs.lease=500ms"}, "3s");
    // The killed process's leases run out before its items are taken again.
    auto job = wait_finished(id, 90s);
    EXPECT_EQ(job["state"], "done");
    EXPECT_EQ(job["done"], 5) << job.dump();
    std::set<std::string> hashes;
    for (const auto& item : job["items"]) {
        EXPECT_EQ(item["state"], "done") << item.dump();
        auto stored = result(item["result_id"].get<std::string>());
        EXPECT_EQ(stored["status"], "ok");
        hashes.insert(stored["image_hash"].get<std::string>());
    }
    EXPECT_EQ(hashes.size(), 5u);
    auto answers = model.answers();
    EXPECT_EQ(answers.size(), 5u);
    for (const auto& [image, count] : answers) EXPECT_EQ(count, 1) << "an image was answered more than once";
    auto ok = http_request(port_, "GET", "/api/results?task=product_review&status=ok");
    ASSERT_TRUE(ok);
    EXPECT_EQ(json::parse(ok->body)["items"].size(), 5u);
}

}  // namespace
}  // namespace vg::test
