#include "cluster/outlier_detector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cluster/clock.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class OutlierDetectorTest : public ::testing::Test {
protected:
    // Reports `n` failures; true if the last one ejected.
    static bool fail(OutlierDetector& d, const std::string& id, int n, std::size_t pool_size = 10) {
        bool ejected = false;
        for (int i = 0; i < n; ++i) ejected = d.on_failure(id, pool_size);
        return ejected;
    }

    // How long `id` stays ejected, found by moving the clock a second at a time.
    std::chrono::seconds ejection_length(const OutlierDetector& d, const std::string& id) {
        std::chrono::seconds length{0};
        while (d.is_ejected(id) && length < 1h) {
            clock_.advance(1s);
            ++length;
        }
        return length;
    }

    FakeClock clock_;
};

TEST(OutlierConfigTest, DefaultsFollowEnvoy) {
    const OutlierConfig c;
    EXPECT_EQ(c.consecutive_failures, 5);
    EXPECT_EQ(c.base_ejection_time, 30000ms);
    EXPECT_EQ(c.max_ejection_time, 300000ms);
    EXPECT_EQ(c.max_ejection_percent, 50);
    EXPECT_NO_THROW(validate_outlier_config(c));
}

TEST(OutlierConfigTest, RejectsBadFieldsByName) {
    auto message = [](OutlierConfig c) -> std::string {
        try {
            validate_outlier_config(c);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    OutlierConfig c;
    c.consecutive_failures = 0;
    EXPECT_THAT(message(c), HasSubstr("consecutive_failures"));
    c = {};
    c.base_ejection_time = 0ms;
    EXPECT_THAT(message(c), HasSubstr("base_ejection_time"));
    c = {};
    c.max_ejection_time = 1000ms;
    EXPECT_THAT(message(c), HasSubstr("max_ejection_time"));
    c = {};
    c.max_ejection_percent = 101;
    EXPECT_THAT(message(c), HasSubstr("max_ejection_percent"));
    c.max_ejection_percent = -1;
    EXPECT_THAT(message(c), HasSubstr("max_ejection_percent"));
    c.max_ejection_percent = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THAT(message(c), HasSubstr("max_ejection_percent"));
    FakeClock clock;
    EXPECT_THROW(OutlierDetector(c, clock), std::invalid_argument);
}

TEST_F(OutlierDetectorTest, EjectsAtTheConsecutiveFailureThreshold) {
    OutlierDetector d({}, clock_);
    EXPECT_FALSE(fail(d, "a", 4));
    EXPECT_FALSE(d.is_ejected("a"));
    EXPECT_TRUE(d.on_failure("a", 10));
    EXPECT_TRUE(d.is_ejected("a"));
    EXPECT_EQ(d.ejected_count(), 1u);
    EXPECT_EQ(d.ejections_total(), 1u);
    EXPECT_FALSE(d.is_ejected("b"));
}

TEST_F(OutlierDetectorTest, ASuccessResetsTheCount) {
    OutlierDetector d({}, clock_);
    EXPECT_FALSE(fail(d, "a", 4));
    d.on_success("a");
    EXPECT_FALSE(fail(d, "a", 4));
    EXPECT_TRUE(d.on_failure("a", 10));
}

TEST_F(OutlierDetectorTest, CountsArePerInstance) {
    OutlierDetector d({}, clock_);
    for (int i = 0; i < 4; ++i) {
        EXPECT_FALSE(d.on_failure("a", 10));
        EXPECT_FALSE(d.on_failure("b", 10));
    }
    d.on_success("b");
    EXPECT_TRUE(d.on_failure("a", 10));
    EXPECT_FALSE(d.on_failure("b", 10));
}

TEST_F(OutlierDetectorTest, EjectionEndsLazilyAfterBaseTimeWithTheCountReset) {
    OutlierDetector d({}, clock_);
    ASSERT_TRUE(fail(d, "a", 5));
    clock_.advance(29999ms);
    EXPECT_TRUE(d.is_ejected("a"));
    clock_.advance(1ms);
    EXPECT_FALSE(d.is_ejected("a"));
    EXPECT_EQ(d.ejected_count(), 0u);
    EXPECT_FALSE(fail(d, "a", 4)) << "failures from before the ejection still counted";
    EXPECT_TRUE(d.on_failure("a", 10));
}

TEST_F(OutlierDetectorTest, OutcomesWhileEjectedAreIgnored) {
    OutlierDetector d({}, clock_);
    ASSERT_TRUE(fail(d, "a", 5));
    EXPECT_FALSE(fail(d, "a", 20));
    d.on_success("a");
    EXPECT_EQ(d.ejections_total(), 1u);
    EXPECT_EQ(ejection_length(d, "a"), 30s) << "late failures extended the ejection";
    EXPECT_FALSE(fail(d, "a", 4));
}

TEST_F(OutlierDetectorTest, EachEjectionInARowLastsLongerUpToTheMaximum) {
    OutlierConfig config;
    config.base_ejection_time = 30s;
    config.max_ejection_time = 100s;
    OutlierDetector d(config, clock_);
    std::vector<std::chrono::seconds> lengths;
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(fail(d, "a", 5));
        lengths.push_back(ejection_length(d, "a"));
    }
    EXPECT_THAT(lengths, ::testing::ElementsAre(30s, 60s, 90s, 100s, 100s));
    EXPECT_EQ(d.ejections_total(), 5u);
}

TEST_F(OutlierDetectorTest, TheMultiplierDecaysByOnePerBaseEjectionTimeWithoutEjection) {
    OutlierDetector d({}, clock_);
    ASSERT_TRUE(fail(d, "a", 5));
    EXPECT_EQ(ejection_length(d, "a"), 30s);
    ASSERT_TRUE(fail(d, "a", 5));
    EXPECT_EQ(ejection_length(d, "a"), 60s);
    ASSERT_TRUE(fail(d, "a", 5));
    EXPECT_EQ(ejection_length(d, "a"), 90s);  // multiplier 3
    clock_.advance(59s);                      // one full period: back to 2, so the next is 3 x 30 s
    ASSERT_TRUE(fail(d, "a", 5));
    EXPECT_EQ(ejection_length(d, "a"), 90s);
    clock_.advance(10min);  // long healthy: starts over
    ASSERT_TRUE(fail(d, "a", 5));
    EXPECT_EQ(ejection_length(d, "a"), 30s);
}

TEST_F(OutlierDetectorTest, ACappedMultiplierStillDecaysQuickly) {
    OutlierConfig config;
    config.base_ejection_time = 10s;
    config.max_ejection_time = 30s;
    OutlierDetector d(config, clock_);
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(fail(d, "a", 5));
        ejection_length(d, "a");
    }
    // The multiplier stopped at 3 (3 x 10 s reaches the cap), so 30 s healthy undo it all.
    clock_.advance(30s);
    ASSERT_TRUE(fail(d, "a", 5));
    EXPECT_EQ(ejection_length(d, "a"), 10s);
}

TEST_F(OutlierDetectorTest, MaxEjectionPercentLimitsEjectionsButAllowsOne) {
    struct Case {
        double percent;
        std::size_t pool;
        std::size_t allowed;
    };
    for (const Case c : {Case{50, 4, 2}, Case{50, 3, 1}, Case{50, 2, 1}, Case{50, 1, 0}, Case{10, 5, 1},
                         Case{10, 30, 3}, Case{100, 3, 3}, Case{0, 10, 0}, Case{7, 100, 7}, Case{34, 3, 1}}) {
        SCOPED_TRACE(testing::Message() << c.percent << "% of " << c.pool);
        OutlierConfig config;
        config.max_ejection_percent = c.percent;
        OutlierDetector d(config, clock_);
        std::size_t ejected = 0;
        for (std::size_t i = 0; i < c.pool; ++i) ejected += fail(d, "i" + std::to_string(i), 5, c.pool) ? 1 : 0;
        EXPECT_EQ(ejected, c.allowed);
        EXPECT_EQ(d.ejected_count(), c.allowed);
        EXPECT_EQ(d.ejections_overflow_total(), c.pool - c.allowed);
    }
}

TEST_F(OutlierDetectorTest, ARefusedEjectionHappensOnTheNextFailureOnceThereIsRoom) {
    OutlierDetector d({}, clock_);
    ASSERT_TRUE(fail(d, "a", 5, 2));
    EXPECT_FALSE(fail(d, "b", 5, 2)) << "50% of 2 is one instance";
    EXPECT_FALSE(d.on_failure("b", 2));
    EXPECT_EQ(d.ejections_overflow_total(), 2u);
    clock_.advance(30s);  // a is back
    EXPECT_TRUE(d.on_failure("b", 2)) << "b stayed at the threshold";
    EXPECT_FALSE(d.is_ejected("a"));
    EXPECT_TRUE(d.is_ejected("b"));
}

TEST_F(OutlierDetectorTest, ForgetDropsEjectionAndHistory) {
    OutlierDetector d({}, clock_);
    ASSERT_TRUE(fail(d, "a", 5));
    ejection_length(d, "a");
    ASSERT_TRUE(fail(d, "a", 5));  // multiplier 2
    d.forget("a");
    EXPECT_FALSE(d.is_ejected("a"));
    EXPECT_EQ(d.ejected_count(), 0u);
    EXPECT_EQ(d.ejections_total(), 2u) << "a cumulative counter";
    EXPECT_FALSE(fail(d, "a", 4));
    EXPECT_TRUE(d.on_failure("a", 10));
    EXPECT_EQ(ejection_length(d, "a"), 30s);
}

TEST_F(OutlierDetectorTest, ConcurrentReportsAreAllCounted) {
    OutlierConfig config;
    config.max_ejection_percent = 100;
    OutlierDetector d(config, clock_);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&d, t] {
            const std::string id = "i" + std::to_string(t);
            for (int i = 0; i < 1000; ++i) {
                (void)d.is_ejected(id);
                if (d.on_failure(id, 8)) return;
                if (i % 7 == 0) d.on_success(id);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(d.ejections_total(), 8u);
    EXPECT_EQ(d.ejected_count(), 8u);
}

}  // namespace
}  // namespace vg::cluster
