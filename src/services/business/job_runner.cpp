#include "services/business/job_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "net/url_fetcher.hpp"
#include "services/business/job_queue.hpp"
#include "services/business/lease_keeper.hpp"
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
    leases_ = std::make_unique<LeaseKeeper>(deps_.jobs, lease_, deps_.log);
    const std::string prefix = host_name() + ":" + std::to_string(::getpid()) + ":";
    for (std::size_t n = 0; n < config_.concurrency; ++n) {
        threads_.emplace_back([this, owner = prefix + std::to_string(n)] {
            if (deps_.queue) {
                queue_loop(owner);
            } else {
                poll_loop(owner);
            }
        });
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
    leases_.reset();
}

void JobRunner::wake() {
    {
        std::lock_guard lock(mutex_);
        ++wakeups_;
    }
    wake_.notify_all();
}

void JobRunner::wait_for_wakeup(std::uint64_t seen, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, limit, [&] { return stopping_ || wakeups_ != seen; });
}

bool JobRunner::sweep(const std::string& owner) {
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
    return !claimed.empty();
}

void JobRunner::poll_loop(const std::string& owner) {
    while (!stopping_) {
        std::uint64_t seen = 0;
        {
            std::lock_guard lock(mutex_);
            seen = wakeups_;
        }
        if (!sweep(owner)) wait_for_wakeup(seen, config_.poll_interval);
    }
}

void JobRunner::queue_loop(const std::string& owner) {
    using Clock = std::chrono::steady_clock;
    auto next_sweep = Clock::now();  // at start: whatever was left before this process came up
    bool queue_failing = false;
    while (!stopping_) {
        if (Clock::now() >= next_sweep) {
            if (sweep(owner)) continue;  // keep draining while the store has work
            next_sweep = Clock::now() + config_.queue.sweep_interval;
        }
        std::optional<QueuedItem> queued;
        try {
            const auto until_sweep = std::chrono::ceil<std::chrono::milliseconds>(next_sweep - Clock::now());
            queued = deps_.queue->take(owner, std::clamp(until_sweep, std::chrono::milliseconds{1}, config_.poll_interval),
                                       lease_);
            if (queue_failing) deps_.log.info("", "job queue reachable again");
            queue_failing = false;
        } catch (const std::exception& e) {
            if (!queue_failing) deps_.log.error("", "job queue unavailable; polling the store", json{{"error", e.what()}});
            queue_failing = true;
            next_sweep = Clock::now();  // meanwhile the store is the queue
            std::uint64_t seen = 0;
            {
                std::lock_guard lock(mutex_);
                seen = wakeups_;
            }
            if (!sweep(owner)) wait_for_wakeup(seen, config_.poll_interval);
            continue;
        }
        if (queued) take_queued(*queued, owner);
    }
}

void JobRunner::take_queued(const QueuedItem& queued, const std::string& owner) {
    std::optional<store::JobItem> item;
    if (!queued.job_id.empty()) {
        try {
            item = deps_.jobs.claim_item(queued.job_id, queued.index, owner, lease_);
        } catch (const std::exception& e) {
            // Not acknowledged: the entry comes back once it has been idle for a lease.
            deps_.log.error("", "claiming a queued job item failed", json{{"job", queued.job_id}, {"error", e.what()}});
            return;
        }
    }
    // Without a lease the item is finished, or another worker holds it (and its own queue entry or the
    // sweep brings it back should that worker die): either way this entry is done with.
    if (item && !process(*item, owner)) return;
    try {
        deps_.queue->ack(queued);
    } catch (const std::exception& e) {
        deps_.log.warn("", "acknowledging a queued job item failed", json{{"job", queued.job_id}, {"error", e.what()}});
    }
}

bool JobRunner::process(const store::JobItem& item, const std::string& owner) {
    const std::string request_id = "job-" + item.job_id + "-" + std::to_string(item.index) + "-" + std::to_string(item.attempts);
    const auto hold = leases_->hold(item, owner);
    auto give_up = [&](const std::string& error, bool retry) {
        try {
            if (deps_.jobs.fail(item, owner, error, retry)) {
                const bool again = retry && item.attempts < config_.max_attempts;
                if (again && deps_.queue) deps_.queue->publish(item.job_id, {item.index});  // back in line for any replica
                if (deps_.item_finished) deps_.item_finished(again ? "retry" : "failed");
            }
        } catch (const std::exception& e) {
            deps_.log.error(request_id, "recording a failed job item failed", json{{"error", e.what()}});
        }
        return true;
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
            outcome = deps_.pipeline.run(std::move(run), [this, &hold] { return stopping_.load() || hold->lost(); });
        } catch (const ClientError& e) {
            return give_up(e.code() + ": " + e.what(), false);  // the image itself is bad: no retry helps
        }
        if (!outcome) return false;  // stopping or lost: the lease runs out (or is gone) and the item is retried
        if (outcome->model_error) {
            return give_up(outcome->model_error->code + ": " + outcome->model_error->message, true);
        }
        // ok and model_output_invalid alike finished the item: its result says which.
        if (!deps_.jobs.complete(item, owner, outcome->record.id)) {
            deps_.log.warn(request_id, "job item lease lost before completion", json{{"result_id", outcome->record.id}});
        } else if (deps_.item_finished) {
            deps_.item_finished("done");
        }
        return true;
    } catch (const std::exception& e) {
        deps_.log.error(request_id, "job item failed", json{{"error", e.what()}});
        return give_up(std::string("internal_error: ") + e.what(), true);
    }
}

}  // namespace vg::services::business
