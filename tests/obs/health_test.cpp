#include "obs/health.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vg::obs {
namespace {

TEST(ReadinessTest, ReadyWithNoComponents) {
    Readiness readiness;
    EXPECT_TRUE(readiness.ready());
    EXPECT_TRUE(readiness.blockers().empty());
}

TEST(ReadinessTest, OneBlockedComponentBlocksAll) {
    Readiness readiness;
    readiness.set("http", true);
    readiness.set("model", false, "loading");
    EXPECT_FALSE(readiness.ready());
    EXPECT_EQ(readiness.blockers(), (std::map<std::string, std::string>{{"model", "loading"}}));
}

TEST(ReadinessTest, BecomesReadyWhenEveryComponentIs) {
    Readiness readiness;
    readiness.set("model", false, "loading");
    readiness.set("draining", false, "shutting down");
    EXPECT_EQ(readiness.blockers().size(), 2u);
    readiness.set("model", true);
    EXPECT_FALSE(readiness.ready());
    EXPECT_EQ(readiness.blockers(), (std::map<std::string, std::string>{{"draining", "shutting down"}}));
    readiness.set("draining", true);
    EXPECT_TRUE(readiness.ready());
    EXPECT_TRUE(readiness.blockers().empty());
}

TEST(ReadinessTest, LatestReasonWins) {
    Readiness readiness;
    readiness.set("model", false, "downloading");
    readiness.set("model", false, "loading");
    EXPECT_EQ(readiness.blockers().at("model"), "loading");
}

TEST(ReadinessTest, ConcurrentSettersAndReaders) {
    Readiness readiness;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&readiness, t] {
            for (int i = 0; i < 1000; ++i) {
                readiness.set("c" + std::to_string(t), i % 2 == 1, "step");
                (void)readiness.ready();
                (void)readiness.blockers();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    // Every thread's last write was ready=true.
    EXPECT_TRUE(readiness.ready());
}

}  // namespace
}  // namespace vg::obs

namespace vg::obs {
namespace {

TEST(ReadinessCheckTest, ADynamicCheckBlocksOnlyWhileItReportsAReason) {
    Readiness readiness;
    readiness.set("http", true);
    bool full = false;
    readiness.add_check("capacity", [&]() -> std::optional<std::string> {
        if (full) return "queue full";
        return std::nullopt;
    });
    EXPECT_TRUE(readiness.ready());
    full = true;
    EXPECT_FALSE(readiness.ready());
    EXPECT_EQ(readiness.blockers().at("capacity"), "queue full");
    full = false;
    EXPECT_TRUE(readiness.ready());
}

}  // namespace
}  // namespace vg::obs
