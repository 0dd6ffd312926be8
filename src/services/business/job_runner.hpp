#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
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

struct JobRunnerDeps {
    store::JobStore& jobs;
    TaskPipeline& pipeline;
    net::UrlFetcher& fetcher;
    Logger log;
};

// Works through batch job items: `concurrency` threads each lease one item at a time from the job
// store (so items of a crashed process are picked up again once their lease runs out), fetch its
// image when it is a URL, run the task and record the outcome. Model and pool errors give the item
// back for another attempt; bad input (a URL that cannot be fetched, an unsupported image) fails it.
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
    void loop(const std::string& owner);
    void process(const store::JobItem& item, const std::string& owner);

    const JobsConfig& config_;
    const std::chrono::milliseconds lease_;
    JobRunnerDeps deps_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::uint64_t wakeups_ = 0;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;
};

}  // namespace vg::services::business
