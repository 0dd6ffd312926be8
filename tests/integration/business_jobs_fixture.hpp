#pragma once

// Batch-job tests' shared parts: a fake model service whose answers each test chooses, and the
// submit/poll helpers over the real `visiongrid business` process.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "business_harness.hpp"
#include "support/fake_upstream.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test {

using json = nlohmann::json;
using image::testing::encode;
using image::testing::solid;

// A model service answering /api/model/infer with the text the test set last, or holding every
// request unanswered while stalled. Counts the answers it gave per image.
class FakeJobModel {
public:
    FakeJobModel()
        : upstream_([this](const RecordedRequest& request) {
              std::lock_guard lock(mutex_);
              if (stalled_) return Reply::stall();
              auto image = json::parse(request.body, nullptr, false).value("image", std::string());
              ++answers_[image];
              auto reply = Reply::respond(200, json{{"result", answer_}, {"model", "fake-vl"}, {"instance", "fake"}}.dump())
                               .header("Content-Type", "application/json");
              if (gate_) reply.after(gate_);
              return reply;
          }) {}
    void answer(std::string text) {
        std::lock_guard lock(mutex_);
        answer_ = std::move(text);
    }
    // Answers wait behind `gate` (null: answer at once).
    void hold(std::shared_ptr<Gate> gate) {
        std::lock_guard lock(mutex_);
        gate_ = std::move(gate);
    }
    void stall(bool stalled) {
        std::lock_guard lock(mutex_);
        stalled_ = stalled;
    }
    std::map<std::string, int> answers() const {
        std::lock_guard lock(mutex_);
        return answers_;
    }
    unsigned short port() const { return upstream_.port(); }
    std::size_t request_count() const { return upstream_.requests().size(); }

private:
    mutable std::mutex mutex_;
    std::string answer_ = "{}";
    bool stalled_ = false;
    std::shared_ptr<Gate> gate_;
    std::map<std::string, int> answers_;
    FakeUpstream upstream_;
};

class BusinessJobsTest : public BusinessProcessTest {
protected:
    // Distinct for n < 62500 (one colour each).
    static std::string image(int n) {
        return encode(solid(64, 48, {static_cast<double>(n % 250), static_cast<double>(n / 250 % 250), 30.0}), ".png");
    }

    static json review_answer() {
        return {{"verdict", "pass"}, {"matched_categories", json::array()}, {"reasons", {"looks like a mug"}}, {"confidence", 0.97}};
    }

    // `fields` are more form fields (webhook_url, caller_reference) sent before the files.
    std::optional<RawResponse> submit_files(const std::string& task, int count,
                                            const std::map<std::string, std::string>& fields = {}, unsigned short port = 0) {
        const std::string boundary = "vgjobboundary";
        std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"task\"\r\n\r\n" + task + "\r\n";
        for (const auto& [name, value] : fields) {
            body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
        }
        for (int i = 0; i < count; ++i) {
            body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"img" + std::to_string(i) +
                    ".png\"\r\nContent-Type: image/png\r\n\r\n" + image(i) + "\r\n";
        }
        body += "--" + boundary + "--\r\n";
        return http_request(port ? port : port_, "POST", "/api/jobs", body,
                            "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n");
    }

    std::optional<RawResponse> submit_json(const json& body) {
        return http_request(port_, "POST", "/api/jobs", body.dump(), "Content-Type: application/json\r\n");
    }

    static std::string created_id(const std::optional<RawResponse>& response) {
        EXPECT_TRUE(response);
        if (!response) return "";
        EXPECT_EQ(response->status, 202) << response->body;
        auto body = json::parse(response->body, nullptr, false);
        if (!body.is_object() || !body.contains("id")) return "";
        EXPECT_EQ(body["state"], "running");
        return body["id"].get<std::string>();
    }

    // Polls the job until it is no longer running; a job that never finishes fails the test.
    json wait_finished(const std::string& id, std::chrono::seconds limit = std::chrono::seconds(30)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        json body;
        while (std::chrono::steady_clock::now() < deadline) {
            auto response = http_request(port_, "GET", "/api/jobs/" + id);
            if (response && response->status == 200) {
                body = json::parse(response->body);
                if (body["state"] != "running") return body;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << "job " << id << " did not finish: " << body.dump();
        return body;
    }

    json result(const std::string& id) {
        auto response = http_request(port_, "GET", "/api/results/" + id);
        EXPECT_TRUE(response && response->status == 200) << id;
        return response ? json::parse(response->body, nullptr, false) : json();
    }

};

}  // namespace vg::test
