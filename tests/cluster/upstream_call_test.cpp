#include "cluster/upstream_call.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cluster/upstream_fixture.hpp"
#include "net/request.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using test::ChunkedBody;
using test::FakeUpstream;
using test::RecordedRequest;
using test::Reply;
using testing::DeadPort;
using ::testing::ElementsAre;
using testing::endpoint_of;
using testing::eventually;
using testing::id_of;

Reply busy(std::string body = "busy") {
    return Reply::respond(503, std::move(body)).header("Retry-After", "1");
}

class UpstreamCallTest : public testing::UpstreamPoolFixture {
protected:
    double counter(const std::string& name) { return metric(name, {{"upstream", "detector"}}); }
    double attempts_failed(const std::string& id) {
        return metric("visiongrid_upstream_attempts_total",
                      {{"upstream", "detector"}, {"instance", id}, {"outcome", "failed"}});
    }
    // Every call has ended, so the budget holds nothing for them.
    static void expect_budget_settled(UpstreamPool& pool) {
        EXPECT_EQ(pool.retry_budget().active_requests(), 0u);
        EXPECT_EQ(pool.retry_budget().active_retries(), 0u);
    }
    static std::vector<int> statuses(const testing::CallProbe& probe) {
        std::vector<int> out;
        for (const auto& head : probe.heads()) out.push_back(head.status);
        return out;
    }
};

TEST_F(UpstreamCallTest, DeliversStatusHeadersAndBodyThroughTheCallbacks) {
    FakeUpstream a;
    a.set_handler([](const RecordedRequest&) { return Reply::respond(201, "hello world").header("X-Answer", "42"); });
    auto pool = make_pool(config_for({endpoint_of(a)}));
    auto request = request_to(*pool, "/v1/detect?model=yolo", "POST");
    request.headers.add("X-Request-Id", "req-1");
    request.body = "{\"image\":1}";
    auto probe = call(pool, std::move(request));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 1);
    EXPECT_EQ(result.instance, id_of(a));
    EXPECT_TRUE(result.head_delivered);
    EXPECT_EQ(result.result.response.status, 201);
    ASSERT_THAT(statuses(*probe), ElementsAre(201));
    EXPECT_EQ(probe->heads()[0].headers.get_or("X-Answer", ""), "42");
    EXPECT_EQ(probe->body(), "hello world");
    EXPECT_EQ(probe->done_count(), 1);
    EXPECT_EQ(probe->done_thread(), io_thread());

    ASSERT_EQ(a.request_count(), 1u);
    const auto sent = a.requests()[0];
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.target, "/v1/detect?model=yolo");
    EXPECT_EQ(sent.body, "{\"image\":1}");
    EXPECT_EQ(sent.headers.get_or("X-Request-Id", ""), "req-1");
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, ConnectRefusedIsRetriedOnAnotherInstanceUnseen) {
    DeadPort dead;
    FakeUpstream b;
    b.set_handler([](const RecordedRequest&) { return Reply::ok("from b"); });
    // Round robin starts with the first instance: the dead one.
    auto pool = make_pool(config_for({dead.endpoint(), endpoint_of(b)}));
    auto probe = call(pool, request_to(*pool, "/v1/detect", "POST"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 2);
    EXPECT_EQ(result.instance, id_of(b));
    EXPECT_THAT(statuses(*probe), ElementsAre(200));
    EXPECT_EQ(probe->body(), "from b");
    EXPECT_EQ(counter("visiongrid_upstream_retries_total"), 1);
    EXPECT_EQ(attempts_failed(dead.endpoint().id()), 1);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, Unavailable503IsRetriedOnAnotherInstanceAndNeverShown) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return busy(); });
    b.set_handler([](const RecordedRequest&) { return Reply::ok("from b"); });
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b)}));
    auto probe = call(pool, request_to(*pool, "/v1/detect", "POST"));  // not idempotent: 503 is still safe

    EXPECT_EQ(a.request_count(), 1u);
    EXPECT_EQ(b.request_count(), 1u);
    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 2);
    EXPECT_EQ(result.result.response.status, 200);
    EXPECT_THAT(statuses(*probe), ElementsAre(200));
    EXPECT_EQ(probe->body(), "from b");
    EXPECT_EQ(attempts_failed(id_of(a)), 1);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, Unavailable503IsTheAnswerWhenNoRetryIsLeft) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return busy("busy a"); });
    b.set_handler([](const RecordedRequest&) { return busy("busy b"); });
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b)}));
    auto request = request_to(*pool, "/v1/detect");
    request.retry.max_attempts = 2;
    auto probe = call(pool, std::move(request));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "") << "an answer from the upstream, not a failure to get one";
    EXPECT_EQ(result.attempts, 2);
    EXPECT_EQ(result.instance, id_of(b));
    EXPECT_EQ(result.result.response.status, 503);
    ASSERT_THAT(statuses(*probe), ElementsAre(503));
    EXPECT_EQ(probe->heads()[0].headers.get_or("Retry-After", ""), "1");
    EXPECT_EQ(probe->body(), "busy b");
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, Unavailable503FromTheOnlyInstanceIsDeliveredWhenItsBreakerOpens) {
    // Default breaker (window 2, 50 %): the second 503 opens it, so the third attempt finds no
    // instance. The client must still get the 503 it was kept from, not a made-up error.
    FakeUpstream a;
    a.set_handler([](const RecordedRequest&) { return busy(); });
    auto pool = make_pool(config_for({endpoint_of(a)}));
    auto probe = call(pool, request_to(*pool, "/v1/detect"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 2);
    EXPECT_EQ(a.request_count(), 2u);
    EXPECT_THAT(statuses(*probe), ElementsAre(503));
    EXPECT_EQ(probe->body(), "busy");
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, ServerErrorOnANonIdempotentPostIsNotRetried) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return Reply::respond(500, "boom"); });
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b)}));
    auto probe = call(pool, request_to(*pool, "/v1/detect", "POST"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 1);
    EXPECT_THAT(statuses(*probe), ElementsAre(500));
    EXPECT_EQ(probe->body(), "boom");
    EXPECT_EQ(b.request_count(), 0u);
    EXPECT_EQ(attempts_failed(id_of(a)), 1) << "a 500 still counts against the instance";
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, ServerErrorIsRetriedWhenIdempotent) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return Reply::respond(500, "boom"); });
    b.set_handler([](const RecordedRequest&) { return Reply::ok("from b"); });
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b)}));
    auto request = request_to(*pool, "/v1/detect", "POST");
    request.retry.idempotent = true;
    auto probe = call(pool, std::move(request));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 2);
    EXPECT_EQ(result.instance, id_of(b));
    EXPECT_THAT(statuses(*probe), ElementsAre(200));
    EXPECT_EQ(probe->body(), "from b");
    EXPECT_EQ(a.request_count(), 1u);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, ServerErrorOnAGetIsRetriedSinceGetIsIdempotent) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return Reply::respond(500, "boom"); });
    b.set_handler([](const RecordedRequest&) { return Reply::ok("from b"); });
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b)}));
    auto request = request_to(*pool, "/v1/models", "GET");
    ASSERT_FALSE(request.retry.idempotent);
    auto probe = call(pool, std::move(request));

    EXPECT_EQ(probe->result().attempts, 2);
    EXPECT_THAT(statuses(*probe), ElementsAre(200));
    EXPECT_EQ(probe->body(), "from b");
}

TEST_F(UpstreamCallTest, AStallingUpstreamTimesOut) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return Reply::stall(); });
    auto config = config_for({endpoint_of(a), endpoint_of(b)});
    config.retry.per_try_timeout = 200ms;
    auto pool = make_pool(config);
    auto probe = call(pool, request_to(*pool, "/v1/detect", "POST"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "upstream_timeout");
    EXPECT_EQ(result.attempts, 1) << "the upstream may still be working on a non-idempotent request";
    EXPECT_FALSE(result.head_delivered);
    EXPECT_TRUE(probe->heads().empty());
    EXPECT_EQ(b.request_count(), 0u);
    EXPECT_EQ(attempts_failed(id_of(a)), 1);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, ATimeoutIsRetriedWhenIdempotent) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return Reply::stall(); });
    b.set_handler([](const RecordedRequest&) { return Reply::ok("from b"); });
    auto config = config_for({endpoint_of(a), endpoint_of(b)});
    config.retry.per_try_timeout = 200ms;
    config.retry.idempotent = true;
    auto pool = make_pool(config);
    auto probe = call(pool, request_to(*pool, "/v1/detect"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 2);
    EXPECT_THAT(statuses(*probe), ElementsAre(200));
    EXPECT_EQ(probe->body(), "from b");
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, AStreamedResponseArrivesBeforeTheUpstreamFinishes) {
    FakeUpstream a;
    auto events = std::make_shared<ChunkedBody>();
    a.push_reply(Reply::streamed(events).header("Content-Type", "text/event-stream"));
    auto pool = make_pool(config_for({endpoint_of(a)}));
    auto started = start(pool, request_to(*pool, "/v1/chat/completions", "POST"));

    events->write("data: one\n\n");
    ASSERT_TRUE(started.probe->wait_body_contains("data: one\n\n"));
    EXPECT_EQ(started.probe->done_count(), 0) << "the body is still open";
    ASSERT_THAT(statuses(*started.probe), ElementsAre(200));
    EXPECT_EQ(started.probe->heads()[0].headers.get_or("Content-Type", ""), "text/event-stream");

    events->write("data: two\n\n");
    ASSERT_TRUE(started.probe->wait_body_contains("data: two\n\n"));
    EXPECT_EQ(started.probe->done_count(), 0);
    events->finish();
    ASSERT_TRUE(started.probe->wait_done());

    EXPECT_EQ(started.probe->result().error, "");
    EXPECT_EQ(started.probe->body(), "data: one\n\ndata: two\n\n");
    EXPECT_GE(started.probe->chunks().size(), 2u);
    EXPECT_EQ(started.probe->heads().size(), 1u);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, AStreamBrokenAfterTheHeadIsUpstreamFailedAndNotRetried) {
    FakeUpstream a, b;
    auto events = std::make_shared<ChunkedBody>();
    a.push_reply(Reply::streamed(events));
    auto pool = make_pool(config_for({endpoint_of(a), endpoint_of(b)}));
    auto request = request_to(*pool, "/v1/chat/completions");
    request.retry.idempotent = true;  // even so: the client has part of a response already
    auto started = start(pool, std::move(request));

    events->write("data: one\n\n");
    ASSERT_TRUE(started.probe->wait_body_contains("data: one"));
    events->abort();
    ASSERT_TRUE(started.probe->wait_done());

    const auto result = started.probe->result();
    EXPECT_EQ(result.error, "upstream_failed");
    EXPECT_TRUE(result.head_delivered);
    EXPECT_EQ(result.attempts, 1);
    EXPECT_THAT(statuses(*started.probe), ElementsAre(200));
    EXPECT_EQ(started.probe->body(), "data: one\n\n");
    EXPECT_EQ(b.request_count(), 0u);
    EXPECT_EQ(attempts_failed(id_of(a)), 1);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, CancelEndsTheCallOnceAndClosesTheUpstreamConnection) {
    FakeUpstream a;
    a.set_handler([](const RecordedRequest&) { return Reply::stall(); });
    auto pool = make_pool(config_for({endpoint_of(a)}));
    auto started = start(pool, request_to(*pool, "/v1/detect"));
    ASSERT_TRUE(a.wait_for_requests(1));

    started.handle->cancel();
    ASSERT_TRUE(started.probe->wait_done());
    started.handle->cancel();  // a no-op once done
    drain();

    EXPECT_EQ(started.probe->done_count(), 1);
    EXPECT_EQ(started.probe->result().error, "cancelled");
    EXPECT_EQ(started.probe->result().attempts, 1);
    EXPECT_TRUE(started.probe->heads().empty());
    EXPECT_TRUE(a.wait_for_closed(1)) << "the stalled connection must be closed, not left open";
    EXPECT_EQ(attempts_failed(id_of(a)), 0) << "a cancelled attempt says nothing about the instance";
    EXPECT_EQ(member(*pool, id_of(a))->outstanding, 0);
    EXPECT_EQ(member(*pool, id_of(a))->breaker, BreakerState::kClosed);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, CancelDuringBackoffEndsTheCallAndReturnsTheRetry) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return busy(); });
    auto config = config_for({endpoint_of(a), endpoint_of(b)});
    config.retry.backoff.initial = 60s;
    config.retry.backoff.max = 60s;
    auto pool = make_pool(config);
    auto started = start(pool, request_to(*pool, "/v1/detect"));
    ASSERT_TRUE(eventually([&] { return pool->retry_budget().active_retries() == 1; }));

    started.handle->cancel();
    ASSERT_TRUE(started.probe->wait_done());
    drain();
    EXPECT_EQ(started.probe->done_count(), 1);
    EXPECT_EQ(started.probe->result().error, "cancelled");
    EXPECT_TRUE(started.probe->heads().empty());
    EXPECT_EQ(b.request_count(), 0u);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, AnExhaustedRetryBudgetMeansNoRetry) {
    DeadPort dead;
    FakeUpstream b;
    auto config = config_for({dead.endpoint(), endpoint_of(b)});
    config.retry.budget_ratio = 0;
    config.retry.budget_min_retries_per_second = 0;
    auto pool = make_pool(config);
    auto probe = call(pool, request_to(*pool, "/v1/detect"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "upstream_unreachable");
    EXPECT_EQ(result.attempts, 1);
    EXPECT_EQ(b.request_count(), 0u);
    EXPECT_EQ(counter("visiongrid_upstream_retry_budget_exhausted_total"), 1);
    EXPECT_EQ(counter("visiongrid_upstream_retries_total"), 0);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, AnExhaustedRetryBudgetDeliversTheHeld503) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return busy("busy a"); });
    auto config = config_for({endpoint_of(a), endpoint_of(b)});
    config.retry.budget_ratio = 0;
    config.retry.budget_min_retries_per_second = 0;
    auto pool = make_pool(config);
    auto probe = call(pool, request_to(*pool, "/v1/detect"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.attempts, 1);
    EXPECT_EQ(result.result.response.status, 503);
    EXPECT_THAT(statuses(*probe), ElementsAre(503));
    EXPECT_EQ(probe->body(), "busy a");
    EXPECT_EQ(b.request_count(), 0u);
    EXPECT_EQ(counter("visiongrid_upstream_retry_budget_exhausted_total"), 1);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, SendsTheRemainingTimeBoundedByThePerTryTimeout) {
    FakeUpstream a;
    auto config = config_for({endpoint_of(a)});
    config.retry.per_try_timeout = 2s;
    auto pool = make_pool(config);

    call(pool, request_to(*pool, "/v1/detect"));  // deadline 10 s away: the per-try timeout is smaller
    auto near = request_to(*pool, "/v1/detect");
    near.deadline = std::chrono::steady_clock::now() + 500ms;
    call(pool, std::move(near));

    ASSERT_EQ(a.request_count(), 2u);
    const auto requests = a.requests();
    const auto first = std::stoi(std::string(requests[0].headers.get_or(kTimeoutHeader, "-1")));
    const auto second = std::stoi(std::string(requests[1].headers.get_or(kTimeoutHeader, "-1")));
    EXPECT_GT(first, 0);
    EXPECT_LE(first, 2000);
    EXPECT_GT(second, 0);
    EXPECT_LE(second, 500);
}

TEST_F(UpstreamCallTest, ACallerSuppliedTimeoutHeaderIsReplaced) {
    FakeUpstream a;
    auto config = config_for({endpoint_of(a)});
    config.retry.per_try_timeout = 1s;
    auto pool = make_pool(config);
    auto request = request_to(*pool, "/v1/detect");
    request.headers.add(kTimeoutHeader, "999999");
    call(pool, std::move(request));

    ASSERT_EQ(a.request_count(), 1u);
    const auto sent = a.requests()[0];
    int seen = 0;
    for (const auto& [name, value] : sent.headers) {
        if (!net::iequals(name, kTimeoutHeader)) continue;
        ++seen;
        EXPECT_LE(std::stoi(value), 1000);
    }
    EXPECT_EQ(seen, 1);
}

TEST_F(UpstreamCallTest, NoInstanceAtAllIsNoHealthyUpstream) {
    auto pool = make_pool(config_for({}));
    auto probe = call(pool, request_to(*pool, "/v1/detect"));

    const auto result = probe->result();
    EXPECT_EQ(result.error, "no_healthy_upstream");
    EXPECT_EQ(result.attempts, 0);
    EXPECT_EQ(result.instance, "");
    EXPECT_TRUE(probe->heads().empty());
    EXPECT_EQ(probe->done_count(), 1);
    EXPECT_EQ(probe->done_thread(), io_thread()) << "on_done runs on an I/O thread, never inside send_upstream()";
    EXPECT_EQ(counter("visiongrid_upstream_no_instance_total"), 1);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, APassedDeadlineSendsNothing) {
    FakeUpstream a;
    auto pool = make_pool(config_for({endpoint_of(a)}));
    auto request = request_to(*pool, "/v1/detect");
    request.deadline = std::chrono::steady_clock::now() - 1ms;
    auto probe = call(pool, std::move(request));

    EXPECT_EQ(probe->result().error, "upstream_timeout");
    EXPECT_EQ(probe->result().attempts, 0);
    EXPECT_EQ(a.request_count(), 0u);
    expect_budget_settled(*pool);
}

// An instance refusing work at capacity (X-VisionGrid-Overloaded) is alive: its refusal goes to the
// client at once, the breaker does not count it, and it is not asked again within the call.
Reply overloaded(std::string body = "full") {
    return busy(std::move(body)).header(net::kOverloadedHeader, "1");
}

BreakerState breaker_of(const UpstreamPool& pool, const std::string& id) {
    for (const auto& status : pool.status()) {
        if (status.id == id) return status.breaker;
    }
    ADD_FAILURE() << "no instance " << id;
    return BreakerState::kOpen;
}

TEST_F(UpstreamCallTest, ARefusalAtCapacityFromTheOnlyInstanceIsTheAnswerAtOnceAndLeavesItsBreakerClosed) {
    FakeUpstream a;
    a.set_handler([](const RecordedRequest&) { return overloaded(); });
    auto pool = make_pool(config_for({endpoint_of(a)}));  // default breaker: window 2, 50 %
    for (int i = 0; i < 5; ++i) {
        auto probe = call(pool, request_to(*pool, "/v1/detect"));
        const auto result = probe->result();
        EXPECT_EQ(result.error, "") << i;
        EXPECT_EQ(result.attempts, 1) << i << ": asked again after it declined";
        ASSERT_THAT(statuses(*probe), ElementsAre(503)) << i;
        EXPECT_EQ(probe->heads()[0].headers.get_or("Retry-After", ""), "1");
        EXPECT_EQ(probe->heads()[0].headers.get_or(net::kOverloadedHeader, ""), "1");
        EXPECT_EQ(probe->body(), "full");
    }
    EXPECT_EQ(a.request_count(), 5u);
    EXPECT_EQ(breaker_of(*pool, id_of(a)), BreakerState::kClosed);
    EXPECT_EQ(counter("visiongrid_upstream_retries_total"), 0);
    EXPECT_EQ(attempts_failed(id_of(a)), 5) << "still a 5xx in the attempt counts";
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, ARefusalAtCapacityIsRetriedOnAnotherInstanceWithoutBackoff) {
    FakeUpstream a, b;
    a.set_handler([](const RecordedRequest&) { return overloaded(); });
    b.set_handler([](const RecordedRequest&) { return Reply::ok("from b"); });
    auto config = config_for({endpoint_of(a), endpoint_of(b)});
    config.retry.backoff.initial = 60s;  // a backoff would outlast the request's deadline
    config.retry.backoff.max = 60s;
    auto pool = make_pool(config);
    for (int i = 0; i < 3; ++i) {
        const auto started = std::chrono::steady_clock::now();
        auto probe = call(pool, request_to(*pool, "/v1/detect", "POST"));
        EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << i << ": waited for a backoff";
        const auto result = probe->result();
        EXPECT_EQ(result.error, "") << i;
        EXPECT_THAT(statuses(*probe), ElementsAre(200));
        EXPECT_EQ(probe->body(), "from b");
    }
    EXPECT_GE(a.request_count(), 2u) << "round robin starts calls on a";
    EXPECT_EQ(breaker_of(*pool, id_of(a)), BreakerState::kClosed);
    expect_budget_settled(*pool);
}

TEST_F(UpstreamCallTest, APlain503StillCountsAgainstTheBreaker) {
    FakeUpstream a;
    a.set_handler([](const RecordedRequest&) { return busy(); });
    auto config = config_for({endpoint_of(a)});
    config.retry.max_attempts = 1;
    auto pool = make_pool(config);
    call(pool, request_to(*pool, "/v1/detect"));
    call(pool, request_to(*pool, "/v1/detect"));
    EXPECT_EQ(breaker_of(*pool, id_of(a)), BreakerState::kOpen);
}

}  // namespace
}  // namespace vg::cluster
