#include "cli/batch_command.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "cli/batch_items.hpp"
#include "cli/batch_output.hpp"
#include "cli/business_tasks.hpp"
#include "cli/command_args.hpp"
#include "cli/exit_codes.hpp"
#include "cli/image_input.hpp"
#include "cli/progress_bar.hpp"
#include "cli/server_client.hpp"

namespace vg::cli {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kBatchUsage = R"(Usage: visiongrid batch DIR|LIST --task TASK --out FILE [options]

Runs a business task on many images, several at a time, and writes one line per image to FILE.

  DIR|LIST             a directory (every .jpg .jpeg .png .webp .gif .bmp .tif .tiff .dcm file in it and
                       below, hidden ones skipped) or a file listing one path or http(s) URL per line
  --task TASK          product-analysis, product-review, homework or medical
  --out FILE           results: JSON Lines, or CSV when FILE ends in .csv (a header, then one quoted record
                       per item; the result column holds the result's JSON)
  --concurrency N      requests at a time (default 4)
  --question TEXT      sent with every image (the task's prompt stays)
  --retries N          further attempts when the server says 429 or 503 (default 3; Retry-After is honoured)
  --retry-failed       run the items recorded as failed in FILE again (their lines are replaced)
  --server URL         VisionGrid's address (default $VISIONGRID_SERVER, else http://127.0.0.1:8080)
  --api-key KEY        sent as "Authorization: Bearer KEY" (default $VISIONGRID_API_KEY)
  --timeout SECONDS    per image (default 120)

Each line records the item, its status (ok or failed), the HTTP status, the result or the error, the stored
result's id and the latency. A failed item does not stop the batch. Interrupt it at any time: running the
same command again skips every item already in FILE (a line cut short by the interruption is redone).
Progress (rate, ETA) goes to stderr; a summary ends the run.

Exit codes: 0 every item ok, 9 finished but some items failed (see FILE), 2 usage, 3 DIR, LIST or FILE
            cannot be read or is not a batch output, 4 the server cannot be reached (the run stops; run it
            again to continue), 1 anything else.
)";

const ArgSpec& batch_spec() {
    static const ArgSpec spec = [] {
        ArgSpec s{{"--task", "--out", "--concurrency", "--question", "--retries"}, {"--retry-failed"}};
        for (const auto& name : kServerOptionNames) s.with_value.insert(name);
        return s;
    }();
    return spec;
}

std::chrono::milliseconds retry_delay(const HttpResponse& response, int attempt) {
    if (auto header = response.header("Retry-After")) {
        int seconds = 0;
        auto [end, ec] = std::from_chars(header->data(), header->data() + header->size(), seconds);
        if (ec == std::errc{} && end == header->data() + header->size() && seconds >= 0) {
            return std::chrono::seconds(std::min(seconds, 30));
        }
    }
    return std::chrono::milliseconds(500) * (1 << std::min(attempt, 5));
}

struct BatchSettings {
    const BusinessTask& task;
    ServerOptions server;
    std::string question;
    int concurrency;
    int retries;
};

// The items of one run, worked through by `concurrency` threads, each with its own connection.
class BatchRun {
public:
    BatchRun(const BatchSettings& settings, const std::vector<BatchItem>& pending, OutputFile& output,
             ProgressReporter& progress, std::size_t already_done)
        : settings_(settings), pending_(pending), output_(output), progress_(progress), done_(already_done) {}

    void run() {
        std::vector<std::thread> workers;
        const auto count = std::min<std::size_t>(static_cast<std::size_t>(settings_.concurrency), pending_.size());
        for (std::size_t i = 0; i < count; ++i) workers.emplace_back([this] { work(); });
        for (auto& worker : workers) worker.join();
    }

    std::size_t ok() const { return ok_; }
    std::size_t failed() const { return failed_; }
    std::size_t processed() const { return ok_ + failed_; }
    // Set when the server could not be reached: the run stopped early.
    std::optional<std::string> stopped_because() const {
        std::lock_guard lock(mutex_);
        return stop_reason_;
    }
    int stop_exit_code() const {
        std::lock_guard lock(mutex_);
        return stop_exit_code_;
    }

private:
    void work() {
        HttpSession session;
        while (!stopped_) {
            const std::size_t index = next_++;
            if (index >= pending_.size()) return;
            std::optional<ItemRecord> record;
            try {
                record = process(session, pending_[index]);
            } catch (const std::exception& e) {
                // Ours, not the item's fault; recorded so the batch goes on and --retry-failed can redo it.
                record = ItemRecord{pending_[index].key, "failed", 0, "", nullptr, "client_error", e.what(), 0};
            }
            if (!record) return;
            try {
                output_.append(*record);
            } catch (const OutputError& e) {
                stop(e.what(), kExitFailure);
                return;
            }
            (record->status == "ok" ? ok_ : failed_) += 1;
            const std::size_t failed = failed_;
            progress_.update(++done_, failed > 0 ? std::to_string(failed) + " failed" : "");
        }
    }

    void stop(const std::string& reason, int exit_code) {
        std::lock_guard lock(mutex_);
        if (!stop_reason_) {
            stop_reason_ = reason;
            stop_exit_code_ = exit_code;
        }
        stopped_ = true;
    }

    // The item's record, or nullopt when the server could not be reached (nothing is recorded then).
    std::optional<ItemRecord> process(HttpSession& session, const BatchItem& item) {
        ItemRecord record;
        record.item = item.key;
        record.status = "failed";
        const auto started = Clock::now();
        auto finish = [&]() -> std::optional<ItemRecord> {
            record.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
            return record;
        };
        ImageInput image;
        try {
            image = load_image(item.source, session);
        } catch (const InputError& e) {
            record.error_code = "input_unreadable";
            record.error_message = e.what();
            return finish();
        }
        HttpRequest request;
        request.method = "POST";
        request.url = settings_.server.url + std::string(settings_.task.path);
        request.headers = json_headers(settings_.server);
        // The caller reference names the item in the stored result; the business role takes up to 256 bytes.
        request.body = business_request(image.bytes, settings_.question, item.key.size() <= 256 ? item.key : "").dump();
        request.timeout = settings_.server.timeout;
        HttpResponse response;
        for (int attempt = 0;; ++attempt) {
            response = session.perform(request);
            const bool busy = response.ok() && (response.status == 429 || response.status == 503);
            if (!busy || attempt >= settings_.retries || stopped_) break;
            std::this_thread::sleep_for(retry_delay(response, attempt));
        }
        record.http_status = response.status;
        if (response.failure == TransferFailure::kUnreachable) {
            stop(describe_problem(response, settings_.server).message, kExitUnreachable);
            return std::nullopt;
        }
        if (!response.ok()) {
            const ServerProblem problem = describe_problem(response, settings_.server);
            record.error_code = problem.code;
            record.error_message = problem.message;
            return finish();
        }
        auto body = json::parse(response.body, nullptr, false);
        if (body.is_object() && body.contains("id") && body["id"].is_string())
            record.id = body["id"].get<std::string>();
        if (response.status == 200 && body.is_object()) {
            record.status = "ok";
            record.result = body.contains("result") ? body["result"] : body;
            return finish();
        }
        if (response.status == 200) {
            record.error_code = "invalid_answer";
            record.error_message = "the server's answer is not a JSON object";
            return finish();
        }
        const ServerProblem problem = problem_from_error_json(response.status, response.body);
        record.error_code = problem.code;
        record.error_message = problem.message;
        return finish();
    }

    const BatchSettings& settings_;
    const std::vector<BatchItem>& pending_;
    OutputFile& output_;
    ProgressReporter& progress_;
    std::atomic<std::size_t> next_{0};
    std::atomic<std::size_t> done_;
    std::atomic<std::size_t> ok_{0};
    std::atomic<std::size_t> failed_{0};
    std::atomic<bool> stopped_{false};
    mutable std::mutex mutex_;
    std::optional<std::string> stop_reason_;
    int stop_exit_code_ = kExitOk;
};

std::string format_seconds(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", seconds);
    return text;
}

}  // namespace

int run_batch_command(const std::vector<std::string>& arguments) {
    const CommandArgs args = CommandArgs::parse(arguments, batch_spec());
    if (args.help()) {
        std::cout << kBatchUsage;
        return kExitOk;
    }
    if (args.positional().size() != 1) throw UsageError("batch needs one directory or list");
    const auto task_name = args.value("--task");
    if (!task_name) throw UsageError("batch needs --task (" + business_task_names() + ")");
    const BusinessTask* task = find_business_task(*task_name);
    if (task == nullptr) throw UsageError("unknown task '" + *task_name + "' (" + business_task_names() + ")");
    const auto out = args.value("--out");
    if (!out || out->empty()) throw UsageError("batch needs --out FILE (.jsonl, or .csv for CSV)");
    const BatchSettings settings{*task, server_options(args), args.value("--question").value_or(""),
                                 args.integer("--concurrency", 4, 1, 256), args.integer("--retries", 3, 0, 100)};

    std::vector<BatchItem> items;
    std::unique_ptr<OutputFile> output;
    try {
        items = list_batch_items(args.positional()[0]);
        output = std::make_unique<OutputFile>(*out, output_format_for(*out), args.flag("--retry-failed"));
    } catch (const InputError& e) {
        std::cerr << "visiongrid batch: " << e.what() << "\n";
        return kExitInputUnreadable;
    } catch (const OutputError& e) {
        std::cerr << "visiongrid batch: " << e.what() << "\n";
        return kExitInputUnreadable;
    }
    const ExistingOutput& existing = output->existing();
    std::vector<BatchItem> pending;
    std::size_t skipped = 0;
    std::size_t failed_before = 0;
    for (auto& item : items) {
        if (!existing.done.contains(item.key)) {
            pending.push_back(std::move(item));
        } else {
            ++skipped;
        }
    }
    failed_before = existing.failed;
    if (skipped > 0 || existing.partial_tail) {
        std::cerr << "visiongrid batch: resuming " << *out << ": " << skipped << " of " << items.size()
                  << " items already done" << (existing.partial_tail ? " (a cut-off last line was removed)" : "")
                  << "\n";
    }

    init_http();
    ProgressReporter progress(stderr, "batch", items.size(), ProgressUnit::kItems);
    progress.rebase(skipped);
    const auto started = Clock::now();
    BatchRun run(settings, pending, *output, progress, skipped);
    run.run();
    progress.finish();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const double rate = seconds > 0 ? static_cast<double>(run.processed()) / seconds : 0;
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "%.1f", rate);
    std::cout << "batch " << (run.stopped_because() ? "stopped" : "done") << ": " << items.size()
              << " items: " << run.ok() << " ok, " << run.failed() << " failed, " << skipped << " skipped (already in "
              << *out << ")";
    if (failed_before > 0)
        std::cout << ", of which " << failed_before << " failed earlier (--retry-failed runs them again)";
    std::cout << "; " << format_seconds(seconds) << ", " << rate_text << " items/s\n";
    if (auto reason = run.stopped_because()) {
        std::cerr << "visiongrid batch: " << *reason << "\n"
                  << "visiongrid batch: " << pending.size() - run.processed()
                  << " items were not done; run the same command again to continue\n";
        return run.stop_exit_code();
    }
    return run.failed() + failed_before > 0 ? kExitItemsFailed : kExitOk;
}

}  // namespace vg::cli
