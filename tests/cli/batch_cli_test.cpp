// `visiongrid batch` against a fake business service that counts what it is asked per image.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cli/exit_codes.hpp"
#include "cli_test_support.hpp"
#include "image/base64.hpp"
#include "support/child_process.hpp"
#include "support/test_images.hpp"

namespace vg::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Polls `condition` until it holds or the deadline passes (a file written by another process has no event to wait on).
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline = kDefaultWait * 3) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

std::vector<std::string> complete_lines(const fs::path& path) {
    std::vector<std::string> lines;
    std::istringstream in(read_file(path));
    std::string line;
    while (std::getline(in, line)) {
        if (!in.eof()) lines.push_back(line);
    }
    return lines;
}

// A business service: answers each image (named by its caller_reference) with a review, counts requests per
// image, can hold every request after the first N behind a gate that never opens, and can fail chosen images.
class FakeBatchBusiness {
public:
    FakeBatchBusiness()
        : upstream_([this](const RecordedRequest& request) {
              const auto body = json::parse(request.body, nullptr, false);
              const std::string name = body.is_object() ? body.value("caller_reference", "") : "";
              std::lock_guard lock(mutex_);
              ++seen_[name];
              images_[name] = body.is_object() ? body.value("image", "") : "";
              if (auto failure = failures_.find(name); failure != failures_.end()) return failure->second;
              if (auto busy = busy_.find(name); busy != busy_.end() && busy->second > 0) {
                  --busy->second;
                  return Reply::respond(503, R"({"error":{"code":"overloaded","message":"busy"}})")
                      .header("Retry-After", "0");
              }
              if (hold_after_ && answered_ >= *hold_after_)
                  return Reply::respond(200, answer(name).dump()).after(gate_);
              ++answered_;
              return Reply::respond(200, answer(name).dump()).header("Content-Type", "application/json");
          }) {}

    void hold_after(std::size_t answered) {
        std::lock_guard lock(mutex_);
        hold_after_ = answered;
    }
    void answer_everything() {
        std::lock_guard lock(mutex_);
        hold_after_.reset();
        failures_.clear();
    }
    void fail(const std::string& name, Reply reply) {
        std::lock_guard lock(mutex_);
        failures_[name] = std::move(reply);
    }
    // The first `times` requests for `name` get 503 with Retry-After: 0.
    void busy_first(const std::string& name, int times) {
        std::lock_guard lock(mutex_);
        busy_[name] = times;
    }
    std::map<std::string, int> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::string image_of(const std::string& name) const {
        std::lock_guard lock(mutex_);
        auto it = images_.find(name);
        return it == images_.end() ? "" : image::decode_base64(it->second);
    }
    std::size_t request_count() const { return upstream_.request_count(); }
    std::string url() const { return upstream_.url(""); }

    static json answer(const std::string& name) {
        return {{"id", "res_" + name},
                {"task", "product_review"},
                {"result", {{"verdict", "pass"}, {"reasons", {"checked " + name}}, {"confidence", 0.9}}}};
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, int> seen_;
    std::map<std::string, std::string> images_;
    std::map<std::string, Reply> failures_;
    std::map<std::string, int> busy_;
    std::optional<std::size_t> hold_after_;
    std::size_t answered_ = 0;
    std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
    FakeUpstream upstream_;
};

class BatchCliTest : public ::testing::Test {
protected:
    // `count` distinct PNGs, img_000.png, img_001.png, ...
    fs::path make_images(int count) {
        const fs::path images = dir_ / "images";
        fs::create_directories(images);
        for (int i = 0; i < count; ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "img_%03d.png", i);
            names_.insert(name);
            write_file(images / name,
                       image::testing::encode(
                           image::testing::solid(24, 16, {2.0 * i, 255.0 - 2 * i, (7.0 * i) - 256 * ((7 * i) / 256)}),
                           ".png"));
        }
        return images;
    }

    std::vector<std::string> batch_args(const fs::path& source, const fs::path& out, const std::string& server,
                                        std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"batch", source.string(), "--task",   "product-review",
                                         "--out", out.string(),    "--server", server};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    TempDir dir_;
    std::set<std::string> names_;
};

TEST_F(BatchCliTest, KilledHalfWayThenResumedItDoesEveryItemOnce) {
    constexpr int kConcurrency = 4;
    const fs::path images = make_images(100);
    const fs::path out = dir_ / "results.jsonl";
    FakeBatchBusiness business;
    business.hold_after(50);
    const auto args = batch_args(images, out, business.url(), {"--concurrency", std::to_string(kConcurrency)});
    {
        ChildProcess batch(VG_BINARY, args);
        // Half the items are written, and every worker is waiting on its next image.
        ASSERT_TRUE(wait_until([&] {
            return complete_lines(out).size() >= 50 && business.request_count() >= 50 + kConcurrency;
        })) << complete_lines(out).size()
            << " lines, " << business.request_count() << " requests";
        batch.signal(SIGKILL);
        ASSERT_EQ(batch.wait(kDefaultWait), 128 + SIGKILL);
    }
    std::set<std::string> before;
    for (const auto& line : complete_lines(out)) before.insert(json::parse(line)["item"].get<std::string>());
    ASSERT_EQ(before.size(), 50u);
    // A write torn by a kill would leave half a line behind; the rerun must cope with one.
    write_file(out, read_file(out) + R"({"item":"img_099.png","sta)");

    business.answer_everything();
    const auto result = run_command(VG_BINARY, args);
    ASSERT_EQ(result.exit_code, cli::kExitOk) << result.output;
    EXPECT_TRUE(contains(result.output, "50 of 100 items already done (a cut-off last line was removed)"))
        << result.output;
    EXPECT_TRUE(contains(result.output, "50 ok, 0 failed, 50 skipped")) << result.output;

    // Every item exactly once, each line whole.
    std::map<std::string, int> written;
    for (const auto& line : complete_lines(out)) {
        const auto record = json::parse(line);
        EXPECT_EQ(record["status"], "ok") << line;
        EXPECT_EQ(record["result"]["reasons"][0], "checked " + record["item"].get<std::string>());
        ++written[record["item"].get<std::string>()];
    }
    EXPECT_TRUE(read_file(out).ends_with("\n"));
    EXPECT_EQ(written.size(), 100u);
    for (const auto& name : names_) EXPECT_EQ(written[name], 1) << name;

    // The server saw every image; twice only those in flight at the kill, never one already written.
    const auto seen = business.seen();
    std::size_t twice = 0;
    for (const auto& name : names_) {
        ASSERT_TRUE(seen.contains(name)) << name;
        EXPECT_LE(seen.at(name), 2) << name;
        if (seen.at(name) == 2) {
            ++twice;
            EXPECT_FALSE(before.contains(name)) << name << " was done before the kill and done again";
        }
    }
    EXPECT_LE(twice, static_cast<std::size_t>(kConcurrency));
}

TEST_F(BatchCliTest, FailedItemsAreRecordedInQuotedCsvAndRetriedOnRequest) {
    if (!on_path("python3")) GTEST_SKIP() << "python3 reads the CSV independently";
    const fs::path images = make_images(6);
    const fs::path out = dir_ / "results.csv";
    FakeBatchBusiness business;
    business.fail(
        "img_001.png",
        Reply::respond(
            422, R"({"error":{"code":"model_output_invalid","message":"bad \"json\", at $.verdict"},"id":"res_x"})"));
    business.fail("img_003.png", Reply::respond(400, R"({"error":{"code":"invalid_image","message":"not an image"}})"));
    auto result = run_command(VG_BINARY, batch_args(images, out, business.url(), {"--concurrency", "2"}));
    ASSERT_EQ(result.exit_code, cli::kExitItemsFailed) << result.output;
    EXPECT_TRUE(contains(result.output, "4 ok, 2 failed, 0 skipped")) << result.output;

    // Python's csv module reads it back: a header, then one record per image.
    const char* script = R"(import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
print(json.dumps(rows)))";
    auto parsed = run_command("python3", {"-c", script, out.string()});
    ASSERT_EQ(parsed.exit_code, 0) << parsed.output;
    const auto rows = json::parse(parsed.output);
    ASSERT_EQ(rows.size(), 6u);
    std::map<std::string, json> by_item;
    for (const auto& row : rows) by_item[row["item"].get<std::string>()] = row;
    EXPECT_EQ(by_item["img_001.png"]["status"], "failed");
    EXPECT_EQ(by_item["img_001.png"]["http_status"], "422");
    EXPECT_EQ(by_item["img_001.png"]["error_code"], "model_output_invalid");
    EXPECT_EQ(by_item["img_001.png"]["error_message"], "bad \"json\", at $.verdict");
    EXPECT_EQ(by_item["img_001.png"]["id"], "res_x");
    EXPECT_EQ(by_item["img_003.png"]["error_code"], "invalid_image");
    EXPECT_EQ(by_item["img_002.png"]["status"], "ok");
    EXPECT_EQ(json::parse(by_item["img_002.png"]["result"].get<std::string>()),
              FakeBatchBusiness::answer("img_002.png")["result"]);

    // The server is fixed: a plain rerun has nothing to do, --retry-failed redoes the two.
    business.answer_everything();
    result = run_command(VG_BINARY, batch_args(images, out, business.url()));
    EXPECT_EQ(result.exit_code, cli::kExitItemsFailed) << result.output;
    EXPECT_TRUE(contains(result.output, "6 skipped")) << result.output;
    result = run_command(VG_BINARY, batch_args(images, out, business.url(), {"--retry-failed"}));
    ASSERT_EQ(result.exit_code, cli::kExitOk) << result.output;
    EXPECT_TRUE(contains(result.output, "2 ok, 0 failed, 4 skipped")) << result.output;
    parsed = run_command("python3", {"-c", script, out.string()});
    const auto fixed = json::parse(parsed.output);
    ASSERT_EQ(fixed.size(), 6u);
    for (const auto& row : fixed) EXPECT_EQ(row["status"], "ok") << row.dump();
    EXPECT_EQ(business.seen()["img_002.png"], 1);
}

TEST_F(BatchCliTest, BusyAnswersAreRetriedThenRecorded) {
    const fs::path images = make_images(2);
    const fs::path out = dir_ / "r.jsonl";
    FakeBatchBusiness business;
    business.busy_first("img_000.png", 2);  // within --retries 3
    business.busy_first("img_001.png", 9);  // beyond it
    const auto result = run_command(VG_BINARY, batch_args(images, out, business.url(), {"--retries", "3"}));
    EXPECT_EQ(result.exit_code, cli::kExitItemsFailed) << result.output;
    std::map<std::string, json> records;
    for (const auto& line : complete_lines(out)) {
        const auto record = json::parse(line);
        records[record["item"].get<std::string>()] = record;
    }
    EXPECT_EQ(records["img_000.png"]["status"], "ok");
    EXPECT_EQ(records["img_001.png"]["status"], "failed");
    EXPECT_EQ(records["img_001.png"]["http_status"], 503);
    EXPECT_EQ(records["img_001.png"]["error"]["code"], "overloaded");
    EXPECT_EQ(business.seen()["img_000.png"], 3);
    EXPECT_EQ(business.seen()["img_001.png"], 4);  // one try, three retries
}

TEST_F(BatchCliTest, AListMayNameFilesAndUrls) {
    const fs::path images = make_images(2);
    TestFileServer web;
    const std::string remote = image::testing::encode(image::testing::solid(8, 8, {1, 2, 3}), ".jpg");
    web.add("/pics/remote.jpg", remote);
    write_file(dir_ / "list.txt", "# two local, one remote\n" + (images / "img_000.png").string() + "\n" +
                                      (images / "img_001.png").string() + "\n" + web.url("/pics/remote.jpg") + "\n");
    FakeBatchBusiness business;
    const fs::path out = dir_ / "r.jsonl";
    const auto result = run_command(VG_BINARY, batch_args(dir_ / "list.txt", out, business.url()));
    ASSERT_EQ(result.exit_code, cli::kExitOk) << result.output << read_file(out);
    EXPECT_EQ(complete_lines(out).size(), 3u);
    EXPECT_EQ(business.image_of(web.url("/pics/remote.jpg")), remote);
    EXPECT_EQ(business.image_of((images / "img_001.png").string()), read_file(images / "img_001.png"));
}

TEST_F(BatchCliTest, AnUnreachableServerStopsTheRunAndRecordsNothing) {
    const fs::path images = make_images(5);
    const fs::path out = dir_ / "r.jsonl";
    const auto result =
        run_command(VG_BINARY, batch_args(images, out, "http://127.0.0.1:" + std::to_string(closed_port())));
    EXPECT_EQ(result.exit_code, cli::kExitUnreachable) << result.output;
    EXPECT_TRUE(contains(result.output, "cannot reach 127.0.0.1")) << result.output;
    EXPECT_TRUE(contains(result.output, "run the same command again to continue")) << result.output;
    EXPECT_TRUE(complete_lines(out).empty());
}

TEST_F(BatchCliTest, UsageAndInputMistakes) {
    const fs::path images = make_images(1);
    EXPECT_EQ(run_command(VG_BINARY, {"batch", images.string(), "--out", (dir_ / "r.jsonl").string()}).exit_code,
              cli::kExitUsage);
    EXPECT_EQ(run_command(VG_BINARY, {"batch", images.string(), "--task", "product-review"}).exit_code,
              cli::kExitUsage);
    EXPECT_EQ(run_command(VG_BINARY, batch_args(dir_ / "missing", dir_ / "r.jsonl", "http://127.0.0.1:1")).exit_code,
              cli::kExitInputUnreadable);
    write_file(dir_ / "foreign.jsonl", "hello\n");
    const auto result = run_command(VG_BINARY, batch_args(images, dir_ / "foreign.jsonl", "http://127.0.0.1:1"));
    EXPECT_EQ(result.exit_code, cli::kExitInputUnreadable) << result.output;
    EXPECT_TRUE(contains(result.output, "not a batch output file")) << result.output;
    EXPECT_EQ(read_file(dir_ / "foreign.jsonl"), "hello\n");
}

}  // namespace
}  // namespace vg::test
