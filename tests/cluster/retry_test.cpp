#include "cluster/retry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;

RetryConfig config(bool idempotent) {
    RetryConfig c;
    c.idempotent = idempotent;
    return c;
}

struct Case {
    FailureKind kind;
    bool request_sent;
    bool retryable_if_idempotent;
    bool retryable_otherwise;
};

class IsRetryableTest : public ::testing::TestWithParam<Case> {};

TEST_P(IsRetryableTest, FollowsThePolicyTable) {
    const Case& c = GetParam();
    const AttemptFailure failure{c.kind, c.request_sent};
    EXPECT_EQ(is_retryable(failure, config(true)), c.retryable_if_idempotent);
    EXPECT_EQ(is_retryable(failure, config(false)), c.retryable_otherwise);
}

// The table from the design: the expected columns are the policy, written out by hand.
INSTANTIATE_TEST_SUITE_P(Policy, IsRetryableTest,
                         ::testing::Values(Case{FailureKind::kConnectFailed, false, true, true},
                                           Case{FailureKind::kConnectFailed, true, true, false},
                                           Case{FailureKind::kUnavailable503, true, true, true},
                                           Case{FailureKind::kUnavailable503, false, true, true},
                                           Case{FailureKind::kBadGateway502, true, true, true},
                                           Case{FailureKind::kTimeout, true, true, false},
                                           Case{FailureKind::kTimeout, false, true, false},
                                           Case{FailureKind::kOtherStatus5xx, true, true, false},
                                           Case{FailureKind::kResponseStarted, true, false, false},
                                           Case{FailureKind::kResponseStarted, false, false, false},
                                           Case{FailureKind::kClientError4xx, true, false, false}));

TEST(ShouldRetryTest, StopsAtMaxAttempts) {
    RetryConfig c;
    c.max_attempts = 3;
    const AttemptFailure refused{FailureKind::kConnectFailed, false};
    EXPECT_TRUE(should_retry(refused, c, 1));
    EXPECT_TRUE(should_retry(refused, c, 2));
    EXPECT_FALSE(should_retry(refused, c, 3));
}

TEST(ShouldRetryTest, SingleAttemptNeverRetries) {
    RetryConfig c;
    c.max_attempts = 1;
    EXPECT_FALSE(should_retry({FailureKind::kConnectFailed, false}, c, 1));
}

TEST(ShouldRetryTest, NonRetryableFailureStopsEarly) {
    EXPECT_FALSE(should_retry({FailureKind::kClientError4xx, true}, RetryConfig{}, 1));
}

TEST(RetryConfigTest, DefaultsAreValid) {
    EXPECT_NO_THROW(validate_retry_config(RetryConfig{}));
}

TEST(RetryConfigTest, RejectsBadValues) {
    RetryConfig c;
    c.max_attempts = 0;
    EXPECT_THROW(validate_retry_config(c), std::invalid_argument);
    c = RetryConfig{};
    c.per_try_timeout = -1ms;
    EXPECT_THROW(validate_retry_config(c), std::invalid_argument);
    c = RetryConfig{};
    c.budget_ratio = -0.1;
    EXPECT_THROW(validate_retry_config(c), std::invalid_argument);
    c = RetryConfig{};
    c.backoff.jitter = 2;
    EXPECT_THROW(validate_retry_config(c), std::invalid_argument);
}

}  // namespace
}  // namespace vg::cluster
