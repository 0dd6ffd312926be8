// `visiongrid business` end to end: the real binary with a SQLite store in a temporary directory,
// in front of a fake model service on loopback whose answers each test chooses (the fake stands in
// for the model: what is under test is what the business role does with its answers).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <mutex>
#include <nlohmann/json.hpp>

#include "business_harness.hpp"
#include "image/base64.hpp"
#include "support/child_process.hpp"
#include "support/fake_upstream.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using image::testing::encode;
using image::testing::gradient;
using image::testing::solid;

// A model service that answers /api/model/infer with whatever text the test set last.
class FakeModel {
public:
    FakeModel()
        : upstream_([this](const RecordedRequest&) {
              std::lock_guard lock(mutex_);
              return Reply::respond(200, json{{"result", answer_}, {"model", "fake-vl"}, {"instance", "fake"}}.dump())
                  .header("Content-Type", "application/json");
          }) {}
    void answer(std::string text) {
        std::lock_guard lock(mutex_);
        answer_ = std::move(text);
    }
    unsigned short port() const { return upstream_.port(); }
    std::vector<RecordedRequest> requests() const { return upstream_.requests(); }

private:
    std::mutex mutex_;
    std::string answer_ = "{}";
    FakeUpstream upstream_;
};

class BusinessServiceTest : public BusinessProcessTest {
protected:
    void start(unsigned short model_port) { BusinessProcessTest::start(model_port); }

    std::optional<RawResponse> post(const std::string& path, const json& body) {
        return http_request(port_, "POST", path, body.dump(), "Content-Type: application/json\r\n");
    }

    static std::string jpeg() { return encode(solid(64, 48, {200, 30, 30}), ".jpg"); }

    static json review_answer(const std::string& verdict, double confidence) {
        return {{"verdict", verdict}, {"matched_categories", json::array()}, {"reasons", {"looks like a mug"}}, {"confidence", confidence}};
    }

};

TEST_F(BusinessServiceTest, ProductReviewIsValidatedStoredAndReadBack) {
    FakeModel model;
    model.answer(review_answer("pass", 0.97).dump());
    start(model.port());
    auto response = post("/api/product/review",
                         {{"image", image::encode_base64(jpeg())}, {"caller_reference", "sku-1"}, {"metadata", {{"shop", "s1"}}}});
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    auto body = json::parse(response->body);
    EXPECT_EQ(body["task"], "product_review");
    EXPECT_EQ(body["status"], "ok");
    EXPECT_EQ(body["result"]["verdict"], "pass");
    EXPECT_EQ(body["caller_reference"], "sku-1");
    EXPECT_EQ(body["metadata"]["shop"], "s1");
    EXPECT_EQ(body["model"], "fake-vl");
    EXPECT_FALSE(body["prompt_version"].get<std::string>().empty());

    // What the model was asked: the task's prompt and its result schema, the image as sent.
    ASSERT_EQ(model.requests().size(), 1u);
    auto sent = json::parse(model.requests()[0].body);
    EXPECT_EQ(sent["json_schema"]["properties"]["verdict"]["enum"], (json{"pass", "reject", "manual_review"}));
    EXPECT_EQ(image::decode_base64(sent["image"].get<std::string>()), jpeg());

    auto stored = http_request(port_, "GET", "/api/results/" + body["id"].get<std::string>());
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->status, 200);
    EXPECT_EQ(json::parse(stored->body)["result"], body["result"]);
}

TEST_F(BusinessServiceTest, LowConfidenceNeverPasses) {
    FakeModel model;
    model.answer(review_answer("pass", 0.3).dump());
    start(model.port());
    auto response = post("/api/product/review", {{"image", image::encode_base64(jpeg())}});
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    EXPECT_EQ(json::parse(response->body)["result"]["verdict"], "manual_review");
}

TEST_F(BusinessServiceTest, InvalidModelOutputIs422WithTheRawTextKept) {
    FakeModel model;
    model.answer("I think it is a mug, probably fine.");
    start(model.port());
    auto response = post("/api/product/analysis", {{"image", image::encode_base64(jpeg())}});
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 422) << response->body;
    auto body = json::parse(response->body);
    EXPECT_EQ(body["error"]["code"], "model_output_invalid");
    EXPECT_EQ(body["raw_output"], "I think it is a mug, probably fine.");
    auto stored = http_request(port_, "GET", "/api/results/" + body["id"].get<std::string>());
    ASSERT_TRUE(stored);
    auto record = json::parse(stored->body);
    EXPECT_EQ(record["status"], "model_output_invalid");
    EXPECT_EQ(record["raw_output"], "I think it is a mug, probably fine.");
    EXPECT_TRUE(record["result"].is_null());
}

TEST_F(BusinessServiceTest, ModelPoolDownIsAnErrorThatIsStillRecorded) {
    unsigned short dead_port = 0;
    {
        FakeModel gone;
        dead_port = gone.port();
    }
    start(dead_port);
    auto response = post("/api/homework/correction", {{"image", image::encode_base64(jpeg())}});
    ASSERT_TRUE(response);
    EXPECT_TRUE(response->status == 502 || response->status == 503) << response->status << " " << response->body;
    auto id = json::parse(response->body)["id"].get<std::string>();
    auto stored = http_request(port_, "GET", "/api/results/" + id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(json::parse(stored->body)["status"], "failed");
}

TEST_F(BusinessServiceTest, BadInputGetsAClearErrorAndTheServiceStaysUp) {
    FakeModel model;
    start(model.port());
    struct Case {
        std::string body;
        std::string content_type;
        int status;
        std::string code;
    };
    const std::vector<Case> cases = {
        {"{\"caller_reference\":\"x\"}", "application/json", 400, "missing_field"},
        {"{\"image\":\"!!!not base64!!!\"}", "application/json", 400, "invalid_base64"},
        {json{{"image", image::encode_base64("<svg xmlns='http://www.w3.org/2000/svg'/>")}}.dump(), "application/json", 415,
         "unsupported_image"},
        {json{{"image", image::encode_base64(jpeg())}, {"colour", "red"}}.dump(), "application/json", 400, "unknown_field"},
        {json{{"image", image::encode_base64(jpeg())}, {"metadata", "not an object"}}.dump(), "application/json", 400, "invalid_field"},
        {"{\"image\": ", "application/json", 400, "invalid_json"},
        {"image=abc", "text/plain", 415, ""},
    };
    for (const auto& c : cases) {
        auto response = http_request(port_, "POST", "/api/product/analysis", c.body, "Content-Type: " + c.content_type + "\r\n");
        ASSERT_TRUE(response) << c.body;
        EXPECT_EQ(response->status, c.status) << c.body << " -> " << response->body;
        if (!c.code.empty()) {
            EXPECT_EQ(code_of(*response), c.code) << c.body;
        }
    }
    EXPECT_TRUE(model.requests().empty()) << "nothing invalid reached the model";
    auto health = http_request(port_, "GET", "/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    auto unknown_task = http_request(port_, "GET", "/api/results?task=nope");
    ASSERT_TRUE(unknown_task);
    EXPECT_EQ(unknown_task->status, 400);
    EXPECT_EQ(code_of(*unknown_task), "unknown_task");
    auto missing = http_request(port_, "GET", "/api/results/01NOPE");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(code_of(*missing), "result_not_found");
}

TEST_F(BusinessServiceTest, MultipartUploadWorksLikeJson) {
    FakeModel model;
    model.answer(review_answer("reject", 0.95).dump());
    start(model.port());
    const std::string boundary = "vgboundary";
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
                       jpeg() + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"caller_reference\"\r\n\r\nsku-9\r\n--" +
                       boundary + "--\r\n";
    auto response = http_request(port_, "POST", "/api/product/review", body,
                                 "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n");
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    auto result = json::parse(response->body);
    EXPECT_EQ(result["caller_reference"], "sku-9");
    EXPECT_EQ(result["result"]["verdict"], "reject");
}

TEST_F(BusinessServiceTest, ListingFiltersAndPagesThroughEveryResultOnceAndSurvivesARestart) {
    FakeModel model;
    model.answer(review_answer("pass", 0.99).dump());
    start(model.port());
    std::set<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        auto response = post("/api/product/review", {{"image", image::encode_base64(jpeg())}, {"caller_reference", std::to_string(i)}});
        ASSERT_TRUE(response && response->status == 200);
        ids.insert(json::parse(response->body)["id"].get<std::string>());
    }
    model.answer("not json");
    ASSERT_EQ(post("/api/product/analysis", {{"image", image::encode_base64(jpeg())}})->status, 422);

    stop();  // the SQLite file keeps everything
    start(model.port());
    std::set<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
        auto page = http_request(port_, "GET", "/api/results?task=product_review&limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
        ASSERT_TRUE(page);
        ASSERT_EQ(page->status, 200) << page->body;
        auto body = json::parse(page->body);
        for (const auto& item : body["items"]) {
            EXPECT_EQ(item["task"], "product_review");
            EXPECT_TRUE(seen.insert(item["id"].get<std::string>()).second) << "seen twice";
        }
        cursor = body["next_cursor"].is_null() ? "" : body["next_cursor"].get<std::string>();
        ASSERT_LT(++pages, 10);
    } while (!cursor.empty());
    EXPECT_EQ(seen, ids);
    auto invalid = http_request(port_, "GET", "/api/results?status=model_output_invalid");
    ASSERT_TRUE(invalid);
    EXPECT_EQ(json::parse(invalid->body)["items"].size(), 1u);
    auto bad = http_request(port_, "GET", "/api/results?limit=0");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    auto bad_cursor = http_request(port_, "GET", "/api/results?cursor=zzz");
    ASSERT_TRUE(bad_cursor);
    EXPECT_EQ(bad_cursor->status, 400);
}

TEST_F(BusinessServiceTest, DicomIsDecodedForTheModelAndNoPatientDataIsKept) {
    if (!on_path("img2dcm") || !on_path("dcmodify")) GTEST_SKIP() << "dcmtk's img2dcm/dcmodify not installed";
    const auto jpeg_path = dir_ / "scan.jpg";
    const auto dicom_path = dir_ / "scan.dcm";
    {
        std::ofstream out(jpeg_path, std::ios::binary);
        out << encode(gradient(64, 64), ".jpg");
    }
    ASSERT_EQ(run_command("img2dcm", {jpeg_path.string(), dicom_path.string()}).exit_code, 0);
    auto modified = run_command("dcmodify", {"-nb", "-i", "(0010,0010)=Doe^Johnathan", "-i", "(0008,0060)=CR", "-i",
                                             "(0018,0015)=CHEST", dicom_path.string()});
    ASSERT_EQ(modified.exit_code, 0) << modified.output;
    std::ifstream in(dicom_path, std::ios::binary);
    const std::string dicom((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    FakeModel model;
    model.answer(json{{"modality", "xray"}, {"body_part", "chest"}, {"findings", json::array()}, {"abnormal", false}}.dump());
    start(model.port());
    auto response = post("/api/medical/analysis", {{"image", image::encode_base64(dicom)}});
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    auto body = json::parse(response->body);
    EXPECT_EQ(body["result"]["dicom"]["modality"], "CR");
    EXPECT_EQ(body["result"]["dicom"]["body_part"], "CHEST");
    EXPECT_FALSE(body["result"]["disclaimer"].get<std::string>().empty());
    // The model got an ordinary image (PNG), not the DICOM file with its patient tags.
    auto sent = image::decode_base64(json::parse(model.requests().at(0).body)["image"].get<std::string>());
    EXPECT_EQ(sent.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    auto stored = http_request(port_, "GET", "/api/results/" + body["id"].get<std::string>());
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->body.find("Johnathan"), std::string::npos) << stored->body;
    EXPECT_EQ(response->body.find("Johnathan"), std::string::npos);
}

}  // namespace
}  // namespace vg::test
