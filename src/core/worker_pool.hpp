#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vg {

// A fixed set of threads for CPU-heavy work that must not run on I/O threads (image decoding).
// post() is thread-safe; it returns false when the queue is full so callers can shed load.
class WorkerPool {
public:
    WorkerPool(std::size_t threads, std::size_t max_queue);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    bool post(std::function<void()> job);
    std::size_t queued() const;

private:
    void run();

    const std::size_t max_queue_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace vg
