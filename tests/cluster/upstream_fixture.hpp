#pragma once

// Shared by upstream_pool_test.cpp and upstream_call_test.cpp: a pool fixture with its own io thread,
// a FakeClock for breaker/outlier/budget time, a metrics registry to read counters from, and a probe
// that records what send_upstream() delivers.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/clock.hpp"
#include "cluster/upstream_call.hpp"
#include "cluster/upstream_config.hpp"
#include "cluster/upstream_metrics.hpp"
#include "cluster/upstream_pool.hpp"
#include "support/fake_upstream.hpp"

namespace vg::cluster::testing {

using namespace std::chrono_literals;

// Polls `condition` until it holds; false once `timeout` has passed. For state with no callback to
// wait on (pool status); the condition, not the time, decides the outcome.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = test::kDefaultWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// A port bound but never listened on: connecting to it is refused at once, and holding the socket
// keeps anyone else from taking the port while the test runs.
class DeadPort {
public:
    DeadPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ADD_FAILURE() << "cannot bind a dead port";
            return;
        }
        socklen_t length = sizeof address;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }
    ~DeadPort() {
        if (fd_ >= 0) ::close(fd_);
    }
    DeadPort(const DeadPort&) = delete;
    DeadPort& operator=(const DeadPort&) = delete;

    std::uint16_t port() const { return port_; }
    Endpoint endpoint() const { return Endpoint{"127.0.0.1", port_}; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

inline Endpoint endpoint_of(const test::FakeUpstream& upstream) {
    return Endpoint{"127.0.0.1", upstream.port()};
}
inline std::string id_of(const test::FakeUpstream& upstream) {
    return endpoint_of(upstream).id();
}

// Records what one send_upstream() call delivers. Thread-safe.
class CallProbe {
public:
    void on_head(const net::ClientResponse& head) {
        std::lock_guard lock(mutex_);
        heads_.push_back(head);
        if (done_count_ > 0) delivered_after_done_ = true;
        cv_.notify_all();
    }
    void on_chunk(std::string_view chunk) {
        std::lock_guard lock(mutex_);
        chunks_.emplace_back(chunk);
        body_ += chunk;
        if (done_count_ > 0) delivered_after_done_ = true;
        cv_.notify_all();
    }
    void on_done(UpstreamResult result) {
        std::lock_guard lock(mutex_);
        ++done_count_;
        result_ = std::move(result);
        done_thread_ = std::this_thread::get_id();
        cv_.notify_all();
    }

    bool wait_done(std::chrono::milliseconds timeout = test::kDefaultWait) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return done_count_ > 0; });
    }
    bool wait_body_contains(std::string_view text, std::chrono::milliseconds timeout = test::kDefaultWait) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return body_.find(text) != std::string::npos; });
    }

    std::vector<net::ClientResponse> heads() const {
        std::lock_guard lock(mutex_);
        return heads_;
    }
    std::vector<std::string> chunks() const {
        std::lock_guard lock(mutex_);
        return chunks_;
    }
    std::string body() const {
        std::lock_guard lock(mutex_);
        return body_;
    }
    int done_count() const {
        std::lock_guard lock(mutex_);
        return done_count_;
    }
    bool delivered_after_done() const {
        std::lock_guard lock(mutex_);
        return delivered_after_done_;
    }
    std::thread::id done_thread() const {
        std::lock_guard lock(mutex_);
        return done_thread_;
    }
    UpstreamResult result() const {
        std::lock_guard lock(mutex_);
        return result_.value_or(UpstreamResult{});
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<net::ClientResponse> heads_;
    std::vector<std::string> chunks_;
    std::string body_;
    int done_count_ = 0;
    bool delivered_after_done_ = false;
    std::thread::id done_thread_;
    std::optional<UpstreamResult> result_;
};

struct StartedCall {
    std::shared_ptr<CallProbe> probe;
    std::shared_ptr<UpstreamCallHandle> handle;
};

class UpstreamPoolFixture : public ::testing::Test {
protected:
    UpstreamPoolFixture() : work_(boost::asio::make_work_guard(io_)), metrics_(registry_) {
        std::promise<void> finished;
        io_finished_ = finished.get_future();
        thread_ = std::thread([this, finished = std::move(finished)]() mutable {
            io_.run();
            finished.set_value();
        });
    }

    ~UpstreamPoolFixture() override {
        for (auto& pool : pools_) pool->stop();
        // Let everything in flight drain rather than dropping handlers: a pool that leaves work
        // behind after stop() (a timer, a connection) fails the test instead of being hidden.
        work_.reset();
        if (io_finished_.wait_for(test::kDefaultWait) != std::future_status::ready) {
            ADD_FAILURE() << "the io_context still had work 10 s after every pool stopped";
            io_.stop();
        }
        thread_.join();
        pools_.clear();
    }

    // Health checks off (they would add requests to the fakes) and fast retries; tests turn on what
    // they show.
    static UpstreamConfig config_for(std::vector<Endpoint> instances, std::string load_balancing = "round_robin") {
        UpstreamConfig config;
        config.name = "detector";
        config.instances = std::move(instances);
        config.load_balancing = std::move(load_balancing);
        config.health_check_enabled = false;
        config.retry.backoff.initial = 1ms;
        config.retry.backoff.max = 5ms;
        config.retry.backoff.jitter = 0;
        config.retry.per_try_timeout = 5s;
        return config;
    }

    std::shared_ptr<UpstreamPool> make_pool(UpstreamConfig config) {
        auto pool = std::make_shared<UpstreamPool>(std::move(config), UpstreamDeps{io_, clock_, Logger{}, metrics_});
        pool->start();
        pools_.push_back(pool);
        return pool;
    }

    static UpstreamRequest request_to(const UpstreamPool& pool, std::string target, std::string method = "GET") {
        UpstreamRequest request;
        request.method = std::move(method);
        request.target = std::move(target);
        request.deadline = std::chrono::steady_clock::now() + test::kDefaultWait;
        request.retry = pool.config().retry;
        return request;
    }

    static StartedCall start(std::shared_ptr<UpstreamPool> pool, UpstreamRequest request) {
        auto probe = std::make_shared<CallProbe>();
        request.on_head = [probe](const net::ClientResponse& head) { probe->on_head(head); };
        request.on_chunk = [probe](std::string_view chunk) { probe->on_chunk(chunk); };
        auto handle = send_upstream(std::move(pool), std::move(request),
                                    [probe](UpstreamResult result) { probe->on_done(std::move(result)); });
        return StartedCall{probe, handle};
    }

    // Sends and waits for on_done; the probe holds what was delivered.
    static std::shared_ptr<CallProbe> call(std::shared_ptr<UpstreamPool> pool, UpstreamRequest request) {
        auto started = start(std::move(pool), std::move(request));
        EXPECT_TRUE(started.probe->wait_done()) << "send_upstream never called on_done";
        return started.probe;
    }

    // Waits until every handler queued on the io thread before now has run.
    void drain() {
        std::promise<void> ran;
        auto done = ran.get_future();
        boost::asio::post(io_, [&ran] { ran.set_value(); });
        EXPECT_EQ(done.wait_for(test::kDefaultWait), std::future_status::ready);
    }

    std::thread::id io_thread() const { return thread_.get_id(); }

    std::optional<UpstreamPool::MemberStatus> member(const UpstreamPool& pool, const std::string& id) const {
        for (const auto& status : pool.status()) {
            if (status.id == id) return status;
        }
        return std::nullopt;
    }

    // The value of one counter or gauge series; 0 when it does not exist (families create series on
    // first use, so one never created was never incremented).
    double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
        for (const auto& family : registry_.Collect()) {
            if (family.name != name) continue;
            for (const auto& series : family.metric) {
                std::map<std::string, std::string> have;
                for (const auto& label : series.label) have.emplace(label.name, label.value);
                bool match = true;
                for (const auto& [key, value] : labels) match = match && have.count(key) && have.at(key) == value;
                if (!match) continue;
                return family.type == prometheus::MetricType::Counter ? series.counter.value : series.gauge.value;
            }
        }
        return 0;
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::future<void> io_finished_;
    std::thread thread_;
    FakeClock clock_;
    prometheus::Registry registry_;
    UpstreamMetrics metrics_;
    std::vector<std::shared_ptr<UpstreamPool>> pools_;
};

}  // namespace vg::cluster::testing
