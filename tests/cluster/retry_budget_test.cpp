#include "cluster/retry_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cluster/clock.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;

class RetryBudgetTest : public ::testing::Test {
protected:
    static void start_requests(RetryBudget& budget, int n) {
        for (int i = 0; i < n; ++i) budget.on_request();
    }
    static int spend_all(RetryBudget& budget, int tries) {
        int granted = 0;
        for (int i = 0; i < tries; ++i) granted += budget.try_spend() ? 1 : 0;
        return granted;
    }

    FakeClock clock_;
};

TEST_F(RetryBudgetTest, TwentyPercentOfAHundredActiveRequests) {
    RetryBudget budget(0.2, 0, clock_);
    start_requests(budget, 100);
    EXPECT_EQ(spend_all(budget, 50), 20);
    EXPECT_EQ(budget.active_retries(), 20u);
}

TEST_F(RetryBudgetTest, FinishedRetriesFreeTheirPlace) {
    RetryBudget budget(0.2, 0, clock_);
    start_requests(budget, 100);
    ASSERT_EQ(spend_all(budget, 20), 20);
    EXPECT_FALSE(budget.try_spend());
    budget.on_retry_done();
    EXPECT_TRUE(budget.try_spend());
    EXPECT_FALSE(budget.try_spend());
}

TEST_F(RetryBudgetTest, AllowanceShrinksWithActiveRequests) {
    RetryBudget budget(0.2, 0, clock_);
    start_requests(budget, 10);
    EXPECT_EQ(spend_all(budget, 10), 2);
    for (int i = 0; i < 5; ++i) budget.on_request_done();  // 5 active -> allowance 1, 2 in flight
    for (int i = 0; i < 2; ++i) budget.on_retry_done();
    EXPECT_EQ(spend_all(budget, 10), 1);
}

TEST_F(RetryBudgetTest, AllowanceRoundsDown) {
    RetryBudget budget(0.2, 0, clock_);
    start_requests(budget, 4);  // 0.8 of a retry
    EXPECT_FALSE(budget.try_spend());
    budget.on_request();  // exactly 1
    EXPECT_TRUE(budget.try_spend());
}

TEST_F(RetryBudgetTest, BinaryRoundingDoesNotCostARetry) {
    RetryBudget budget(0.29, 0, clock_);  // 0.29 * 100 is 28.999999999999996 in a double
    start_requests(budget, 100);
    EXPECT_EQ(spend_all(budget, 50), 29);
}

TEST_F(RetryBudgetTest, FloorAllowsABurstThenRefillsPerSecond) {
    RetryBudget budget(0.2, 10, clock_);
    start_requests(budget, 100);
    EXPECT_EQ(spend_all(budget, 100), 30) << "20 by ratio plus 10 floor tokens";
    clock_.advance(500ms);
    EXPECT_EQ(spend_all(budget, 100), 5);
    clock_.advance(10s);
    EXPECT_EQ(spend_all(budget, 100), 10) << "the floor bucket holds at most one second's worth";
}

TEST_F(RetryBudgetTest, FloorLetsQuietClientsRetry) {
    RetryBudget budget(0.2, 2, clock_);
    budget.on_request();  // one request: ratio allows nothing
    EXPECT_EQ(spend_all(budget, 5), 2);
    clock_.advance(1s);
    EXPECT_EQ(spend_all(budget, 5), 2);
}

TEST_F(RetryBudgetTest, ZeroRatioAndZeroFloorRefusesEverything) {
    RetryBudget budget(0, 0, clock_);
    start_requests(budget, 1000);
    EXPECT_FALSE(budget.try_spend());
}

TEST_F(RetryBudgetTest, UnmatchedDoneCallsDoNotWrapAround) {
    RetryBudget budget(0.2, 0, clock_);
    budget.on_request_done();
    budget.on_retry_done();
    EXPECT_EQ(budget.active_requests(), 0u);
    EXPECT_EQ(budget.active_retries(), 0u);
    start_requests(budget, 5);
    EXPECT_EQ(spend_all(budget, 5), 1);
}

TEST_F(RetryBudgetTest, BuildsFromRetryConfig) {
    RetryConfig config;
    config.budget_ratio = 0.5;
    config.budget_min_retries_per_second = 0;
    RetryBudget budget(config, clock_);
    start_requests(budget, 10);
    EXPECT_EQ(spend_all(budget, 10), 5);
}

TEST_F(RetryBudgetTest, ConcurrentSpendNeverExceedsTheBudget) {
    RetryBudget budget(0.2, 10, clock_);
    start_requests(budget, 100);
    constexpr int kThreads = 8;
    std::barrier start(kThreads);
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&] {
            start.arrive_and_wait();
            for (int j = 0; j < 100; ++j)
                if (budget.try_spend()) ++granted;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(granted.load(), 30);
}

TEST_F(RetryBudgetTest, RejectsBadRatio) {
    EXPECT_THROW(RetryBudget(-0.1, 0, clock_), std::invalid_argument);
    EXPECT_THROW(RetryBudget(std::numeric_limits<double>::quiet_NaN(), 0, clock_), std::invalid_argument);
}

}  // namespace
}  // namespace vg::cluster
