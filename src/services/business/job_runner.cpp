#include "services/business/job_runner.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "net/url_fetcher.hpp"
#include "services/business/task_pipeline.hpp"
#include "store/job_store.hpp"
#include "store/result_store.hpp"

namespace vg::services::business {

namespace {

using json = nlohmann::json;

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

bool is_url(const std::string& source) { return source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0; }

}  // namespace

JobRunner::JobRunner(const JobsConfig& config, std::chrono::milliseconds lease, JobRunnerDeps deps)
    : config_(config), lease_(lease), deps_(std::move(deps)) {}

JobRunner::~JobRunner() { stop(); }

void JobRunner::start() {
    const std::string prefix = host_name() + ":" + std::to_string(::getpid()) + ":";
    for (std::size_t n = 0; n < config_.concurrency; ++n) {
        threads_.emplace_back([this, owner = prefix + std::to_string(n)] { loop(owner); });
    }
}

void JobRunner::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    threads_.clear();
}

void JobRunner::wake() {
    {
        std::lock_guard lock(mutex_);
        ++wakeups_;
    }
    wake_.notify_all();
}

void JobRunner::loop(const std::string& owner) {
    while (!stopping_) {
        std::uint64_t seen = 0;
        {
            std::lock_guard lock(mutex_);
            seen = wakeups_;
        }
        std::vector<store::JobItem> claimed;
        try {
            claimed = deps_.jobs.claim(owner, 1, lease_);
        } catch (const std::exception& e) {
            deps_.log.error("", "claiming job items failed", json{{"error", e.what()}});
        }
        for (const auto& item : claimed) {
            if (stopping_) break;
            process(item, owner);
        }
        if (!claimed.empty()) continue;
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, config_.poll_interval, [&] { return stopping_ || wakeups_ != seen; });
    }
}

void JobRunner::process(const store::JobItem& item, const std::string& owner) {
    const std::string request_id = "job-" + item.job_id + "-" + std::to_string(item.index) + "-" + std::to_string(item.attempts);
    auto give_up = [&](const std::string& error, bool retry) {
        try {
            deps_.jobs.fail(item, owner, error, retry);
        } catch (const std::exception& e) {
            deps_.log.error(request_id, "recording a failed job item failed", json{{"error", e.what()}});
        }
    };
    try {
        auto job = deps_.jobs.get(item.job_id);
        if (!job) return give_up("job_not_found: the job is gone", false);
        std::string bytes;
        if (is_url(item.source)) {
            try {
                bytes = deps_.fetcher.fetch(item.source).body;
            } catch (const Error& e) {
                return give_up(e.code() + ": " + e.what(), false);
            }
        } else {
            bytes = deps_.jobs.payload(item.job_id, item.index);
            if (bytes.empty()) return give_up("payload_missing: the uploaded image is no longer kept", false);
        }
        TaskRun run;
        run.task = job->task;
        run.bytes = std::move(bytes);
        run.caller_reference = job->caller_reference;
        run.metadata = job->metadata;
        run.request_id = request_id;
        std::optional<TaskOutcome> outcome;
        try {
            outcome = deps_.pipeline.run(std::move(run), [this] { return stopping_.load(); });
        } catch (const ClientError& e) {
            return give_up(e.code() + ": " + e.what(), false);  // the image itself is bad: no retry helps
        }
        if (!outcome) return;  // stopping: the lease runs out and the item is retried
        if (outcome->model_error) {
            return give_up(outcome->model_error->code + ": " + outcome->model_error->message, true);
        }
        // ok and model_output_invalid alike finished the item: its result says which.
        if (!deps_.jobs.complete(item, owner, outcome->record.id)) {
            deps_.log.warn(request_id, "job item lease lost before completion", json{{"result_id", outcome->record.id}});
        }
    } catch (const std::exception& e) {
        deps_.log.error(request_id, "job item failed", json{{"error", e.what()}});
        give_up(std::string("internal_error: ") + e.what(), true);
    }
}

}  // namespace vg::services::business
