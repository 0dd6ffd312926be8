#include "cluster/health_checker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "net/http_client.hpp"

namespace vg::cluster {

namespace asio = boost::asio;

void validate_health_check_config(const HealthCheckConfig& config) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("health check: " + what); };
    if (config.path.empty() || config.path.front() != '/') fail("path must start with '/'");
    if (config.interval.count() <= 0) fail("interval must be above 0");
    if (config.timeout.count() <= 0) fail("timeout must be above 0");
    if (config.healthy_threshold < 1) fail("healthy_threshold must be at least 1");
    if (config.unhealthy_threshold < 1) fail("unhealthy_threshold must be at least 1");
}

class HealthChecker::Impl : public std::enable_shared_from_this<Impl> {
public:
    using Listener = std::function<void(const std::string&, bool)>;

    Impl(asio::io_context& io, net::HttpClient& client, HealthCheckConfig config, Listener on_change)
        : io_(io),
          client_(client),
          config_((validate_health_check_config(config), std::move(config))),
          on_change_(std::move(on_change)) {}

    void set_targets(const std::vector<Endpoint>& endpoints, bool initially_healthy) {
        std::lock_guard lock(mutex_);
        std::unordered_set<std::string> wanted;
        for (const Endpoint& endpoint : endpoints) wanted.insert(endpoint.id());
        for (auto it = targets_.begin(); it != targets_.end();) {
            if (wanted.count(it->first) != 0) {
                ++it;
                continue;
            }
            cancel_locked(it->second);
            const std::string& id = it->first;
            pending_.erase(
                std::remove_if(pending_.begin(), pending_.end(), [&](const auto& f) { return f.first == id; }),
                pending_.end());
            it = targets_.erase(it);
        }
        for (const Endpoint& endpoint : endpoints) {
            std::string id = endpoint.id();
            auto it = targets_.find(id);
            if (it != targets_.end()) {
                it->second.endpoint = endpoint;  // the weight may have changed; the address has not
                continue;
            }
            Target target;
            target.endpoint = endpoint;
            target.serial = ++next_serial_;
            target.healthy = initially_healthy;
            target.timer = std::make_unique<asio::steady_timer>(io_);
            it = targets_.emplace(std::move(id), std::move(target)).first;
            if (phase_ == Phase::kRunning) schedule_locked(it->first, it->second, std::chrono::milliseconds(0));
        }
    }

    void start() {
        std::lock_guard lock(mutex_);
        if (phase_ != Phase::kIdle) return;
        phase_ = Phase::kRunning;
        for (auto& [id, target] : targets_) schedule_locked(id, target, std::chrono::milliseconds(0));
    }

    void stop() {
        std::unique_lock lock(mutex_);
        phase_ = Phase::kStopped;
        for (auto& [id, target] : targets_) cancel_locked(target);
        pending_.clear();
        // From inside on_change, waiting would deadlock; that call is the last one anyway.
        if (delivering_thread_ != std::this_thread::get_id()) delivered_.wait(lock, [this] { return !delivering_; });
    }

    bool healthy(const std::string& id) const {
        std::lock_guard lock(mutex_);
        const auto it = targets_.find(id);
        return it != targets_.end() && it->second.healthy;
    }

private:
    enum class Phase { kIdle, kRunning, kStopped };

    struct Target {
        Endpoint endpoint;
        // Tells a target apart from an earlier one with the same id that was removed: the handlers of
        // the old one must not touch the new one.
        std::uint64_t serial = 0;
        bool healthy = true;
        int passes = 0;    // consecutive, capped at healthy_threshold
        int failures = 0;  // consecutive, capped at unhealthy_threshold
        std::unique_ptr<asio::steady_timer> timer;
        std::shared_ptr<net::CallHandle> probe;  // in flight, if any
    };

    void cancel_locked(Target& target) {
        target.timer->cancel();
        if (target.probe) target.probe->cancel();
        target.probe.reset();
    }

    // Handlers hold the checker weakly: once it is gone they have nothing to do.
    void schedule_locked(const std::string& id, Target& target, std::chrono::milliseconds delay) {
        target.timer->expires_after(delay);
        target.timer->async_wait(
            [weak = weak_from_this(), id, serial = target.serial](const boost::system::error_code& ec) {
                if (ec) return;  // cancelled
                if (auto self = weak.lock()) self->probe(id, serial);
            });
    }

    Target* find_locked(const std::string& id, std::uint64_t serial) {
        if (phase_ != Phase::kRunning) return nullptr;
        const auto it = targets_.find(id);
        if (it == targets_.end() || it->second.serial != serial) return nullptr;
        return &it->second;
    }

    void probe(const std::string& id, std::uint64_t serial) {
        {
            std::lock_guard lock(mutex_);
            Target* target = find_locked(id, serial);
            if (target == nullptr) return;
            net::ClientRequest request;
            request.url = "http://" + id + config_.path;
            request.timeout = config_.timeout;
            try {
                // Never calls back inline, so holding mutex_ here is safe; it makes the handle visible to
                // stop() and set_targets() before the probe can complete.
                target->probe =
                    client_.send(std::move(request), [weak = weak_from_this(), id, serial](net::ClientResult result) {
                        if (auto self = weak.lock()) self->on_probe_done(id, serial, result);
                    });
                return;
            } catch (const std::exception& e) {
                // Only an id the client cannot put in a URL gets here; it would fail every probe alike.
                spdlog::warn("health check: cannot probe {}: {}", id, e.what());
                record_locked(id, *target, false);
                schedule_locked(id, *target, config_.interval);
            }
        }
        deliver();
    }

    void on_probe_done(const std::string& id, std::uint64_t serial, const net::ClientResult& result) {
        {
            std::lock_guard lock(mutex_);
            Target* target = find_locked(id, serial);
            if (target == nullptr) return;
            target->probe.reset();
            const bool pass = result.ok() && result.response.status >= 200 && result.response.status < 300;
            record_locked(id, *target, pass);
            schedule_locked(id, *target, config_.interval);
        }
        deliver();
    }

    void record_locked(const std::string& id, Target& target, bool pass) {
        if (pass) {
            target.failures = 0;
            target.passes = std::min(target.passes + 1, config_.healthy_threshold);
            if (!target.healthy && target.passes >= config_.healthy_threshold) {
                target.healthy = true;
                pending_.emplace_back(id, true);
            }
        } else {
            target.passes = 0;
            target.failures = std::min(target.failures + 1, config_.unhealthy_threshold);
            if (target.healthy && target.failures >= config_.unhealthy_threshold) {
                target.healthy = false;
                pending_.emplace_back(id, false);
            }
        }
    }

    // One thread at a time drains the queue, so on_change sees flips one by one and in order even
    // when probes of different targets complete on different io threads.
    void deliver() {
        std::unique_lock lock(mutex_);
        if (delivering_) return;
        delivering_ = true;
        delivering_thread_ = std::this_thread::get_id();
        while (phase_ == Phase::kRunning && !pending_.empty()) {
            const auto [id, up] = std::move(pending_.front());
            pending_.pop_front();
            lock.unlock();
            try {
                if (on_change_) on_change_(id, up);
            } catch (const std::exception& e) {
                spdlog::error("health check: on_change({}, {}) threw: {}", id, up, e.what());
            } catch (...) {
                spdlog::error("health check: on_change({}, {}) threw a non-exception", id, up);
            }
            lock.lock();
        }
        delivering_ = false;
        delivering_thread_ = {};
        delivered_.notify_all();
    }

    asio::io_context& io_;
    net::HttpClient& client_;
    const HealthCheckConfig config_;
    const Listener on_change_;

    mutable std::mutex mutex_;
    std::condition_variable delivered_;  // a delivery ended; stop() waits for it
    Phase phase_ = Phase::kIdle;
    std::unordered_map<std::string, Target> targets_;  // by Endpoint::id()
    std::uint64_t next_serial_ = 0;
    std::deque<std::pair<std::string, bool>> pending_;  // flips not yet given to on_change
    bool delivering_ = false;
    std::thread::id delivering_thread_;
};

HealthChecker::HealthChecker(asio::io_context& io, net::HttpClient& client, HealthCheckConfig config,
                             std::function<void(const std::string& id, bool healthy)> on_change)
    : impl_(std::make_shared<Impl>(io, client, std::move(config), std::move(on_change))) {}

HealthChecker::~HealthChecker() {
    stop();
}

void HealthChecker::set_targets(const std::vector<Endpoint>& targets, bool initially_healthy) {
    impl_->set_targets(targets, initially_healthy);
}

void HealthChecker::start() {
    impl_->start();
}

void HealthChecker::stop() {
    impl_->stop();
}

bool HealthChecker::healthy(const std::string& id) const {
    return impl_->healthy(id);
}

}  // namespace vg::cluster
