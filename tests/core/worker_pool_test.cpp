#include "core/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace vg {
namespace {

TEST(WorkerPoolTest, RunsEveryAcceptedJob) {
    std::atomic<int> done{0};
    {
        WorkerPool pool(2, 100);
        for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.post([&] { done.fetch_add(1); }));
    }  // the destructor drains what was accepted
    EXPECT_EQ(done.load(), 50);
}

TEST(WorkerPoolTest, RefusesWorkBeyondTheQueueBound) {
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    std::promise<void> started;
    WorkerPool pool(1, 2);
    ASSERT_TRUE(pool.post([&] {
        started.set_value();
        gate.wait();  // holds the only worker
    }));
    started.get_future().wait();
    EXPECT_TRUE(pool.post([] {}));
    EXPECT_TRUE(pool.post([] {}));
    EXPECT_FALSE(pool.post([] {})) << "a third waiting job exceeds max_queue = 2";
    EXPECT_EQ(pool.queued(), 2u);
    release.set_value();
}

}  // namespace
}  // namespace vg
