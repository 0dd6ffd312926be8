#include "cluster/upstream_call.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "cluster/backoff.hpp"
#include "cluster/upstream_pool.hpp"
#include "net/request.hpp"

namespace vg::cluster {

namespace {

using std::chrono::steady_clock;

// Seeded once per thread: std::random_device costs microseconds, too much for every request.
std::mt19937_64& backoff_rng() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}

// A 502/503 body kept while deciding whether to retry; more is not worth holding.
constexpr std::size_t kMaxHeldBody = 64 * 1024;

// What a status says about whether the instance acted on the request.
FailureKind classify_status(const net::ClientResponse& response) {
    if (response.status == 503 && response.headers.get(net::kOverloadedHeader)) return FailureKind::kDeclined;
    if (response.status == 503 && response.headers.get("Retry-After")) return FailureKind::kUnavailable503;
    if (response.status == 502) return FailureKind::kBadGateway502;
    return FailureKind::kOtherStatus5xx;
}

FailureKind classify_error(const net::ClientResult& result) {
    switch (result.error) {
        case net::ClientErrorKind::kTimeout: return FailureKind::kTimeout;
        // Our own queue for the instance is full: nothing was sent, and it says nothing against the instance.
        case net::ClientErrorKind::kPoolExhausted: return FailureKind::kDeclined;
        case net::ClientErrorKind::kProtocol: return FailureKind::kOtherStatus5xx;
        default: return FailureKind::kConnectFailed;  // refused, reset, closed, TLS: nothing answered
    }
}

std::string error_code_for(FailureKind kind) {
    switch (kind) {
        case FailureKind::kTimeout: return "upstream_timeout";
        case FailureKind::kConnectFailed: return "upstream_unreachable";
        default: return "upstream_failed";
    }
}

class UpstreamCall final : public UpstreamCallHandle, public std::enable_shared_from_this<UpstreamCall> {
public:
    UpstreamCall(std::shared_ptr<UpstreamPool> pool, UpstreamRequest request, std::function<void(UpstreamResult)> on_done)
        : pool_(std::move(pool)),
          request_(std::move(request)),
          on_done_(std::move(on_done)),
          lane_(pool_->lane_for_current_thread()),
          timer_(*lane_.io),
          started_(steady_clock::now()) {
        // RFC 9110: these methods are idempotent by definition, whatever the route says.
        const auto& m = request_.method;
        if (m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE") request_.retry.idempotent = true;
    }

    void start() {
        pool_->retry_budget().on_request();
        // Posted: on_done must never run inside send_upstream() (no instance, a bad request), where
        // the caller may hold a lock that its on_done takes.
        boost::asio::post(*lane_.io, [self = shared_from_this()] {
            std::unique_lock lock(self->mutex_);
            if (self->done_) return;  // cancelled before it began
            self->attempt(lock, false);
        });
    }

    void cancel() override {
        std::unique_lock lock(mutex_);
        if (done_ || cancelled_) return;
        cancelled_ = true;
        if (in_flight_) {
            // The attempt ends with kCancelled and finishes the call from there.
            if (current_) current_->cancel();
            return;
        }
        if (head_delivered_) return;  // deliver_held() is handing over the answer and finishes the call
        timer_.cancel();
        finish_error(lock, "cancelled", std::exchange(retry_pending_, false));
    }

private:
    struct Attempt {
        std::shared_ptr<UpstreamMember> member;
        steady_clock::time_point started;
        bool is_retry = false;
        bool held = false;  // a 502/503 kept back in case a retry can replace it
        net::ClientResponse held_response;
    };

    // Caller holds the lock.
    void attempt(std::unique_lock<std::mutex>& lock, bool is_retry) {
        if (cancelled_) return finish_error(lock, "cancelled", is_retry);
        const auto now = steady_clock::now();
        if (now >= request_.deadline) return give_up(lock, "upstream_timeout", is_retry);
        // An instance that declined asked for Retry-After: the retry goes elsewhere or nowhere.
        auto member = pool_->acquire(request_.affinity_key, tried_, !declined_);
        if (!member) return give_up(lock, last_error_.empty() ? "no_healthy_upstream" : last_error_, is_retry);
        held_.reset();  // this attempt's outcome replaces it
        ++attempts_;
        tried_.push_back(member->instance->id);
        instance_ = member->instance->id;

        auto state = std::make_shared<Attempt>();
        state->member = member;
        state->started = now;
        state->is_retry = is_retry;

        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(request_.deadline - now);
        net::ClientRequest http;
        http.method = request_.method;
        http.url = "http://" + member->instance->id + request_.target;
        http.headers = request_.headers;
        const auto per_try = request_.retry.per_try_timeout.count() > 0 ? std::min(request_.retry.per_try_timeout, remaining) : remaining;
        http.timeout = std::max(std::chrono::milliseconds(1), per_try);
        http.headers.set(kTimeoutHeader, std::to_string(http.timeout.count()));
        http.body = request_.body;
        auto self = shared_from_this();
        http.on_response_head = [self, state](const net::ClientResponse& head) { self->on_head(*state, head); };
        http.on_body_chunk = [self, state](std::string_view chunk) { self->on_chunk(*state, chunk); };
        in_flight_ = true;
        try {
            current_ = lane_.client->send(std::move(http), [self, state](net::ClientResult result) {
                self->on_attempt_done(*state, std::move(result));
            });
        } catch (const std::exception& e) {  // a malformed target or header: the caller's bug, not the instance's
            in_flight_ = false;
            pool_->report(*member, UpstreamPool::Outcome::kCancelled, {});
            if (is_retry) pool_->retry_budget().on_retry_done();
            UpstreamResult result = base_result();
            result.error = "bad_request";
            result.result.error_message = e.what();
            finish(lock, std::move(result));
        }
    }

    void on_head(Attempt& attempt, const net::ClientResponse& head) {
        {
            std::lock_guard lock(mutex_);
            if (done_) return;
            if (head.status >= 500 && head.status <= 503 && head.status != 501 && may_retry_after(classify_status(head))) {
                attempt.held = true;
                attempt.held_response.status = head.status;
                attempt.held_response.headers = head.headers;
                return;
            }
            head_delivered_ = true;
        }
        if (request_.on_head) request_.on_head(head);
    }

    void on_chunk(Attempt& attempt, std::string_view chunk) {
        if (attempt.held) {  // only the attempt's own thread touches it
            auto& body = attempt.held_response.body;
            body.append(chunk.substr(0, kMaxHeldBody - std::min(kMaxHeldBody, body.size())));
            return;
        }
        if (request_.on_chunk) request_.on_chunk(chunk);
    }

    // Whether a failure of this kind on the attempt now in flight could be followed by another.
    bool may_retry_after(FailureKind kind) const {
        return should_retry(AttemptFailure{kind, true}, request_.retry, attempts_);
    }

    void on_attempt_done(Attempt& attempt, net::ClientResult result) {
        const auto duration = steady_clock::now() - attempt.started;
        std::unique_lock lock(mutex_);
        in_flight_ = false;
        current_.reset();
        auto& pool = *pool_;
        if (attempt.is_retry) pool.retry_budget().on_retry_done();

        if (result.error == net::ClientErrorKind::kCancelled && cancelled_) {
            pool.report(*attempt.member, UpstreamPool::Outcome::kCancelled, duration);
            return finish_error(lock, "cancelled", false, std::move(result));
        }
        if (result.ok() && !attempt.held) {
            const bool server_error = result.response.status >= 500;
            pool.report(*attempt.member,
                        classify_status(result.response) == FailureKind::kDeclined ? UpstreamPool::Outcome::kDeclined
                        : server_error                                             ? UpstreamPool::Outcome::kFailure
                                                                                   : UpstreamPool::Outcome::kSuccess,
                        duration);
            UpstreamResult out = base_result();
            out.result = std::move(result);
            return finish(lock, std::move(out));
        }
        const AttemptFailure failure = attempt.held ? AttemptFailure{classify_status(attempt.held_response), true}
                                                    : AttemptFailure{classify_error(result), result.request_sent};
        const bool declined = failure.kind == FailureKind::kDeclined && !head_delivered_;
        pool.report(*attempt.member, declined ? UpstreamPool::Outcome::kDeclined : UpstreamPool::Outcome::kFailure,
                    duration);
        if (head_delivered_) return finish_error(lock, "upstream_failed", false, std::move(result));

        last_error_ = attempt.held ? "" : error_code_for(failure.kind);
        if (declined) declined_ = true;
        // After a refusal, only an instance not asked yet could take the request.
        const bool somewhere_to_go = !declined || pool.has_untried(tried_);
        if (should_retry(failure, request_.retry, attempts_) && somewhere_to_go && !cancelled_) {
            if (pool.retry_budget().try_spend()) {
                pool.metrics().retries(pool.name()).Increment();
                // Kept until the retry is sent: if it never is, this is still the answer.
                if (attempt.held) held_ = std::move(attempt.held_response);
                // Nothing was done and another instance is asked: no reason to wait.
                return schedule_retry(lock, declined);
            }
            pool.metrics().budget_exhausted(pool.name()).Increment();
        }
        if (attempt.held) return deliver_held(lock, std::move(attempt.held_response), std::move(result));
        finish_error(lock, error_code_for(failure.kind), false, std::move(result));
    }

    // A retry could not be sent (no instance left, the deadline passed): a response kept back for it
    // is still the answer; without one, the call fails with `code`.
    void give_up(std::unique_lock<std::mutex>& lock, std::string code, bool spent_retry) {
        if (!held_) return finish_error(lock, std::move(code), spent_retry);
        if (spent_retry) pool_->retry_budget().on_retry_done();
        auto held = std::move(*held_);
        held_.reset();
        deliver_held(lock, std::move(held), {});
    }

    // No retry will replace the 502/503 that was kept back: it is the answer.
    void deliver_held(std::unique_lock<std::mutex>& lock, net::ClientResponse held, net::ClientResult result) {
        head_delivered_ = true;
        UpstreamResult out = base_result();
        out.result = std::move(result);
        out.result.error = net::ClientErrorKind::kNone;
        out.result.response.status = held.status;
        out.result.response.headers = held.headers;
        lock.unlock();
        if (request_.on_head) request_.on_head(held);
        if (request_.on_chunk && !held.body.empty()) request_.on_chunk(held.body);
        lock.lock();
        finish(lock, std::move(out));
    }

    void schedule_retry(std::unique_lock<std::mutex>& lock, bool at_once) {
        auto delay = at_once ? std::chrono::milliseconds(0) : backoff_delay(request_.retry.backoff, attempts_, backoff_rng());
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request_.deadline - steady_clock::now());
        if (delay >= left) delay = std::max(std::chrono::milliseconds(0), left - std::chrono::milliseconds(1));
        if (delay.count() == 0) return attempt(lock, true);
        retry_pending_ = true;
        timer_.expires_after(delay);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            std::unique_lock inner(self->mutex_);
            if (self->done_) return;
            self->retry_pending_ = false;
            if (ec) return self->finish_error(inner, "cancelled", true);
            self->attempt(inner, true);
        });
    }

    UpstreamResult base_result() const {
        UpstreamResult result;
        result.instance = instance_;
        result.attempts = attempts_;
        result.head_delivered = head_delivered_;
        return result;
    }

    // `spent_retry`: a granted retry that never went out must be returned to the budget.
    void finish_error(std::unique_lock<std::mutex>& lock, std::string code, bool spent_retry,
                      net::ClientResult last = {}) {
        if (spent_retry) pool_->retry_budget().on_retry_done();
        UpstreamResult result = base_result();
        result.result = std::move(last);
        result.error = std::move(code);
        finish(lock, std::move(result));
    }

    void finish(std::unique_lock<std::mutex>& lock, UpstreamResult result) {
        if (done_) return;
        done_ = true;
        result.head_delivered = head_delivered_;
        auto on_done = std::move(on_done_);
        pool_->retry_budget().on_request_done();
        pool_->metrics().latency(pool_->name()).Observe(std::chrono::duration<double>(steady_clock::now() - started_).count());
        lock.unlock();
        if (on_done) on_done(std::move(result));
        lock.lock();
    }

    std::shared_ptr<UpstreamPool> pool_;
    UpstreamRequest request_;
    std::function<void(UpstreamResult)> on_done_;
    UpstreamLane& lane_;  // the client and thread the call runs on
    boost::asio::steady_timer timer_;
    const steady_clock::time_point started_;

    std::mutex mutex_;
    bool done_ = false;
    bool cancelled_ = false;
    bool in_flight_ = false;
    bool head_delivered_ = false;
    bool retry_pending_ = false;  // a granted retry waiting for its backoff
    bool declined_ = false;       // an instance refused it at capacity: tried instances are not asked again
    int attempts_ = 0;
    std::string instance_;
    std::string last_error_;
    std::vector<std::string> tried_;
    std::optional<net::ClientResponse> held_;  // a 502/503 whose retry has not been sent yet
    std::shared_ptr<net::CallHandle> current_;
};

}  // namespace

std::shared_ptr<UpstreamCallHandle> send_upstream(std::shared_ptr<UpstreamPool> pool, UpstreamRequest request,
                                                  std::function<void(UpstreamResult)> on_done) {
    auto call = std::make_shared<UpstreamCall>(std::move(pool), std::move(request), std::move(on_done));
    call->start();
    return call;
}

}  // namespace vg::cluster
