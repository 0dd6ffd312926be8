// Targets from static lists and DNS (through the cluster library's discovery), merged into one
// instance → role map.
#include "services/monitor/target_set.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "support/fake_upstream.hpp"

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;
using Members = std::map<std::string, std::string>;

class TargetSetTest : public ::testing::Test {
protected:
    TargetSetTest() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
    ~TargetSetTest() override {
        if (targets_) targets_->stop();
        work_.reset();
        io_.stop();
        thread_.join();
    }

    void start(std::vector<TargetConfig> targets, cluster::Resolver resolver) {
        targets_ = std::make_unique<TargetSet>(io_, std::move(targets), Logger{}, std::move(resolver));
        boost::asio::post(io_, [this] {
            targets_->start([this](const Members& members) {
                std::lock_guard lock(mutex_);
                latest_ = members;
                changed_.notify_all();
            });
        });
    }

    // Waits until the published membership equals `want`.
    bool published(const Members& want) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, test::kDefaultWait, [&] { return latest_ == want; });
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::mutex mutex_;
    std::condition_variable changed_;
    Members latest_;
    std::mutex dns_mutex_;
    std::vector<std::string> dns_answer_{"10.0.0.7", "10.0.0.8"};
    std::unique_ptr<TargetSet> targets_;
    std::thread thread_;  // last: runs once the rest exists
};

TEST_F(TargetSetTest, MergesStaticAndDnsTargetsAndFollowsDns) {
    TargetConfig gateway{"gateway", {cluster::Endpoint{"127.0.0.1", 8080}}, std::nullopt};
    TargetConfig model{"model", {}, cluster::DnsDiscoveryConfig{"model", 8081, 1, 20ms}};
    start({gateway, model}, [this](const std::string& name) {
        EXPECT_EQ(name, "model");
        std::lock_guard lock(dns_mutex_);
        return dns_answer_;
    });
    EXPECT_TRUE(published({{"127.0.0.1:8080", "gateway"}, {"10.0.0.7:8081", "model"}, {"10.0.0.8:8081", "model"}}));
    {
        std::lock_guard lock(dns_mutex_);
        dns_answer_ = {"10.0.0.8"};  // a replica went away
    }
    EXPECT_TRUE(published({{"127.0.0.1:8080", "gateway"}, {"10.0.0.8:8081", "model"}}));
}

TEST_F(TargetSetTest, AnInstanceListedTwiceKeepsItsFirstRole) {
    TargetConfig first{"model", {cluster::Endpoint{"127.0.0.1", 8081}}, std::nullopt};
    TargetConfig second{"business", {cluster::Endpoint{"127.0.0.1", 8081}, cluster::Endpoint{"127.0.0.1", 8082}}, std::nullopt};
    start({first, second}, cluster::system_resolver());
    EXPECT_TRUE(published({{"127.0.0.1:8081", "model"}, {"127.0.0.1:8082", "business"}}));
}

}  // namespace
}  // namespace vg::services::monitor
