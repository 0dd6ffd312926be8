#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/logging.hpp"
#include "services/business/business_service_config.hpp"

namespace vg::net {
class UrlFetcher;
}
namespace vg::store {
class JobStore;
struct JobItem;
}  // namespace vg::store

namespace vg::services::business {

class TaskPipeline;

class JobQueue;
struct QueuedItem;
class LeaseKeeper;

struct JobRunnerDeps {
    store::JobStore& jobs;
    TaskPipeline& pipeline;
    net::UrlFetcher& fetcher;
    JobQueue* queue;                      // null: the threads poll the store
    // An item finished ("done", "failed") or went back for another attempt ("retry"); its job may have
    // finished with it.
    std::function<void(const char* outcome)> item_finished;
    Logger log;
};

// Works through batch job items: `concurrency` threads each lease one item at a time from the job
// store (so items of a crashed process are picked up again once their lease runs out), fetch its
// image when it is a URL, run the task and record the outcome. Leases are renewed while an item is
// worked on, however long it takes. Model and pool errors give the item back for another attempt;
// bad input (a URL that cannot be fetched, an unsupported image) fails it.
// With a queue, the threads take the items it names (and lease each from the store before working on
// it); a sweep of the store every `queue.sweep_interval` catches what the queue lost.
// Thread-safe: wake() may be called from any thread.
class JobRunner {
public:
    JobRunner(const JobsConfig& config, std::chrono::milliseconds lease, JobRunnerDeps deps);
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    void start();
    // Stops claiming, abandons the items in flight (their leases expire and they are retried) and joins.
    void stop();
    // New work is there: idle threads look at once instead of at the next poll.
    void wake();

private:
    void poll_loop(const std::string& owner);
    void queue_loop(const std::string& owner);
    // Claims from the store and processes what it got; false when there was nothing.
    bool sweep(const std::string& owner);
    void take_queued(const QueuedItem& queued, const std::string& owner);
    // False when the item was abandoned unfinished (stopping, or its lease was lost).
    bool process(const store::JobItem& item, const std::string& owner);
    void wait_for_wakeup(std::uint64_t seen, std::chrono::milliseconds limit);

    const JobsConfig& config_;
    const std::chrono::milliseconds lease_;
    JobRunnerDeps deps_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::uint64_t wakeups_ = 0;
    std::atomic<bool> stopping_{false};
    std::unique_ptr<LeaseKeeper> leases_;
    std::vector<std::thread> threads_;
};

}  // namespace vg::services::business
