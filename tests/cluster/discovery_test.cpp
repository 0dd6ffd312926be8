#include "cluster/discovery.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_upstream.hpp"

namespace vg::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

// Values handed over between threads; pop() waits for the next one.
template <class T>
class Queue {
public:
    void push(T value) {
        std::lock_guard lock(mutex_);
        items_.push_back(std::move(value));
        cv_.notify_all();
    }
    std::optional<T> pop(std::chrono::milliseconds timeout = test::kDefaultWait) {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
        T value = std::move(items_.front());
        items_.pop_front();
        return value;
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<T> items_;
};

// A resolver whose answer the test sets; counts lookups so the test can wait for fresh ones.
class ScriptedResolver {
public:
    void answer(std::vector<std::string> addresses) {
        std::lock_guard lock(mutex_);
        addresses_ = std::move(addresses);
        failing_ = false;
    }
    void fail() {
        std::lock_guard lock(mutex_);
        failing_ = true;
    }
    // Waits until `n` more lookups have returned since the call.
    bool wait_for_lookups(std::size_t n) {
        std::unique_lock lock(mutex_);
        const std::size_t target = returned_ + n;
        return cv_.wait_for(lock, test::kDefaultWait, [&] { return returned_ >= target; });
    }
    std::thread::id last_thread() const {
        std::lock_guard lock(mutex_);
        return thread_;
    }

    Resolver resolver() {
        return [this](const std::string& name) {
            std::unique_lock lock(mutex_);
            thread_ = std::this_thread::get_id();
            ++returned_;
            cv_.notify_all();
            if (failing_) throw std::runtime_error("no such host " + name);
            return addresses_;
        };
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::string> addresses_;
    bool failing_ = false;
    std::size_t returned_ = 0;
    std::thread::id thread_;
};

std::vector<std::string> hosts(const std::vector<Endpoint>& endpoints) {
    std::vector<std::string> out;
    for (const Endpoint& e : endpoints) out.push_back(e.host);
    return out;
}

class DnsDiscoveryTest : public ::testing::Test {
protected:
    DnsDiscoveryTest() : work_(boost::asio::make_work_guard(io_)) {
        std::promise<std::thread::id> id;
        io_thread_ = std::thread([this, &id] {
            id.set_value(std::this_thread::get_id());
            io_.run();
        });
        io_thread_id_ = id.get_future().get();
    }
    ~DnsDiscoveryTest() override {
        discovery_.reset();
        work_.reset();
        io_.stop();
        io_thread_.join();
    }

    DnsDiscovery& make(std::chrono::milliseconds refresh = 5ms) {
        DnsDiscoveryConfig config;
        config.name = "detector";
        config.port = 8080;
        config.weight = 2;
        config.refresh_interval = refresh;
        discovery_ = std::make_unique<DnsDiscovery>(io_, config, resolver_.resolver(),
                                                    [this](const std::string& e) { errors_.push(e); });
        return *discovery_;
    }

    void start(DnsDiscovery& d) {
        d.start([this](std::vector<Endpoint> list) {
            if (std::this_thread::get_id() != io_thread_id_) ADD_FAILURE() << "callback off the io thread";
            lists_.push(hosts(list));
        });
    }

    // Runs everything posted to the io_context so far (it has one thread, so handlers run in order).
    void flush_io() {
        std::promise<void> done;
        boost::asio::post(io_, [&done] { done.set_value(); });
        ASSERT_EQ(done.get_future().wait_for(test::kDefaultWait), std::future_status::ready);
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread io_thread_;
    std::thread::id io_thread_id_;
    ScriptedResolver resolver_;
    Queue<std::vector<std::string>> lists_;
    Queue<std::string> errors_;
    std::unique_ptr<DnsDiscovery> discovery_;
};

TEST(StaticDiscoveryTest, DeliversTheListOnceInsideStart) {
    StaticDiscovery discovery({Endpoint{"a", 1}, Endpoint{"b", 2, 5}});
    std::vector<std::vector<Endpoint>> got;
    discovery.start([&](std::vector<Endpoint> list) { got.push_back(std::move(list)); });
    ASSERT_EQ(got.size(), 1u);
    EXPECT_THAT(got[0], ElementsAre(Endpoint{"a", 1}, Endpoint{"b", 2, 5}));
    discovery.stop();
    EXPECT_EQ(got.size(), 1u);
}

TEST(StaticDiscoveryTest, AnEmptyListIsDeliveredToo) {
    StaticDiscovery discovery({});
    int calls = 0;
    discovery.start([&](std::vector<Endpoint> list) {
        EXPECT_THAT(list, IsEmpty());
        ++calls;
    });
    EXPECT_EQ(calls, 1);
}

TEST(DnsDiscoveryConfigTest, RejectsBadFieldsByName) {
    auto message = [](DnsDiscoveryConfig c) -> std::string {
        try {
            validate_dns_discovery_config(c);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    const DnsDiscoveryConfig good{"detector", 8080, 1, 5000ms};
    EXPECT_EQ(message(good), "");
    auto c = good;
    c.name = "";
    EXPECT_THAT(message(c), HasSubstr("name"));
    c = good;
    c.port = 0;
    EXPECT_THAT(message(c), HasSubstr("port"));
    c = good;
    c.refresh_interval = 0ms;
    EXPECT_THAT(message(c), HasSubstr("refresh_interval"));
    boost::asio::io_context io;
    EXPECT_THROW(DnsDiscovery(io, DnsDiscoveryConfig{"", 80}), std::invalid_argument);
}

TEST_F(DnsDiscoveryTest, PublishesEveryAddressSortedWithPortAndWeight) {
    resolver_.answer({"10.0.0.2", "10.0.0.10", "10.0.0.1", "10.0.0.2"});
    std::vector<Endpoint> first;
    std::promise<void> got;
    make().start([&](std::vector<Endpoint> list) {
        if (first.empty()) {
            first = list;
            got.set_value();
        }
    });
    ASSERT_EQ(got.get_future().wait_for(test::kDefaultWait), std::future_status::ready);
    EXPECT_THAT(first, ElementsAre(Endpoint{"10.0.0.1", 8080, 2}, Endpoint{"10.0.0.10", 8080, 2},
                                   Endpoint{"10.0.0.2", 8080, 2}));
}

TEST_F(DnsDiscoveryTest, PublishesAdditionsAndRemovals) {
    resolver_.answer({"10.0.0.1"});
    start(make());
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1")));
    resolver_.answer({"10.0.0.1", "10.0.0.2", "10.0.0.3"});
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1", "10.0.0.2", "10.0.0.3")));
    resolver_.answer({"10.0.0.3", "10.0.0.1"});
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1", "10.0.0.3")));
}

TEST_F(DnsDiscoveryTest, ReorderedAnswersAreNotAChange) {
    resolver_.answer({"10.0.0.1", "10.0.0.2"});
    start(make());
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1", "10.0.0.2")));
    resolver_.answer({"10.0.0.2", "10.0.0.1"});
    ASSERT_TRUE(resolver_.wait_for_lookups(3));
    flush_io();
    EXPECT_EQ(lists_.size(), 0u) << "a reordered answer was published";
    resolver_.answer({"10.0.0.9"});
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.9")));
}

TEST_F(DnsDiscoveryTest, UnchangedAnswersArePublishedOnce) {
    resolver_.answer({"10.0.0.1"});
    start(make());
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1")));
    ASSERT_TRUE(resolver_.wait_for_lookups(5));
    flush_io();
    EXPECT_EQ(lists_.size(), 0u);
}

TEST_F(DnsDiscoveryTest, FailureKeepsTheLastGoodListAndIsReported) {
    resolver_.answer({"10.0.0.1", "10.0.0.2"});
    DnsDiscovery& d = make();
    start(d);
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1", "10.0.0.2")));
    resolver_.fail();
    const auto error = errors_.pop();
    ASSERT_TRUE(error.has_value());
    EXPECT_THAT(*error, HasSubstr("'detector'"));
    EXPECT_THAT(*error, HasSubstr("no such host detector"));
    ASSERT_TRUE(resolver_.wait_for_lookups(2));
    EXPECT_GE(d.resolution_failures(), 2u);
    // Recovery with the same answer is no change; the next real change is the next thing published.
    resolver_.answer({"10.0.0.2", "10.0.0.1"});
    ASSERT_TRUE(resolver_.wait_for_lookups(2));
    flush_io();
    EXPECT_EQ(lists_.size(), 0u) << "a failure emptied or re-published the list";
    resolver_.answer({"10.0.0.3"});
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.3")));
}

TEST_F(DnsDiscoveryTest, AFailedFirstLookupPublishesAnEmptyList) {
    resolver_.fail();
    DnsDiscovery& d = make();
    start(d);
    EXPECT_THAT(lists_.pop(), Optional(IsEmpty()));
    EXPECT_TRUE(errors_.pop().has_value());
    EXPECT_GE(d.resolution_failures(), 1u);
    resolver_.answer({"10.0.0.1"});
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1")));
}

TEST_F(DnsDiscoveryTest, AnAnswerWithNoAddressesEmptiesTheList) {
    resolver_.answer({"10.0.0.1"});
    start(make());
    EXPECT_THAT(lists_.pop(), Optional(ElementsAre("10.0.0.1")));
    resolver_.answer({});
    EXPECT_THAT(lists_.pop(), Optional(IsEmpty()));
}

TEST_F(DnsDiscoveryTest, ResolvesOffTheIoThread) {
    resolver_.answer({"10.0.0.1"});
    start(make());
    ASSERT_TRUE(lists_.pop().has_value());
    EXPECT_NE(resolver_.last_thread(), io_thread_id_);
    EXPECT_NE(resolver_.last_thread(), std::this_thread::get_id());
}

TEST_F(DnsDiscoveryTest, NoCallbackAfterStopReturns) {
    // Every lookup is a change, so callbacks keep coming until stop().
    std::atomic<int> lookups{0};
    Resolver alternating = [&lookups](const std::string&) {
        return std::vector<std::string>{lookups++ % 2 == 0 ? "10.0.0.1" : "10.0.0.2"};
    };
    discovery_ = std::make_unique<DnsDiscovery>(io_, DnsDiscoveryConfig{"detector", 80, 1, 1ms}, alternating);
    std::atomic<bool> stopped{false};
    std::atomic<int> late{0};
    Queue<int> seen;
    discovery_->start([&](std::vector<Endpoint>) {
        if (stopped) ++late;
        seen.push(0);
    });
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(seen.pop().has_value());
    discovery_->stop();
    stopped = true;
    flush_io();  // a result posted before stop() would run by now
    EXPECT_EQ(late, 0);
}

TEST_F(DnsDiscoveryTest, StopFromInsideTheCallbackReturns) {
    resolver_.answer({"10.0.0.1"});
    DnsDiscovery& d = make();
    std::promise<void> stopped;
    d.start([&](std::vector<Endpoint>) {
        d.stop();
        stopped.set_value();
    });
    EXPECT_EQ(stopped.get_future().wait_for(test::kDefaultWait), std::future_status::ready);
}

TEST_F(DnsDiscoveryTest, StopDoesNotWaitForTheRefreshInterval) {
    resolver_.answer({"10.0.0.1"});
    DnsDiscovery& d = make(std::chrono::hours(1));
    start(d);
    ASSERT_TRUE(lists_.pop().has_value());
    auto stopping = std::async(std::launch::async, [&d] { d.stop(); });
    EXPECT_EQ(stopping.wait_for(test::kDefaultWait), std::future_status::ready);
}

TEST_F(DnsDiscoveryTest, StartTwiceIsAnError) {
    resolver_.answer({});
    DnsDiscovery& d = make();
    start(d);
    EXPECT_THROW(start(d), std::logic_error);
    d.stop();
    EXPECT_THROW(start(d), std::logic_error);
}

TEST(SystemResolverTest, ResolvesLocalhost) {
    const std::vector<std::string> addresses = system_resolver()("localhost");
    ASSERT_FALSE(addresses.empty());
    EXPECT_THAT(addresses, AnyOf(Contains("127.0.0.1"), Contains("::1")));
    std::vector<std::string> unique = addresses;
    std::sort(unique.begin(), unique.end());
    EXPECT_EQ(std::unique(unique.begin(), unique.end()), unique.end()) << "duplicates were not removed";
}

TEST_F(DnsDiscoveryTest, FindsLocalhostWithTheSystemResolver) {
    discovery_ = std::make_unique<DnsDiscovery>(io_, DnsDiscoveryConfig{"localhost", 9000, 1, 1000ms});
    start(*discovery_);
    const auto list = lists_.pop();
    ASSERT_TRUE(list.has_value());
    EXPECT_THAT(*list, AnyOf(Contains("127.0.0.1"), Contains("::1")));
}

}  // namespace
}  // namespace vg::cluster
