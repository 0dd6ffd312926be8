#include "cluster/discovery.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace vg::cluster {

Discovery::~Discovery() = default;

StaticDiscovery::StaticDiscovery(std::vector<Endpoint> endpoints) : endpoints_(std::move(endpoints)) {}

void StaticDiscovery::start(EndpointsCallback on_change) {
    on_change(endpoints_);
}

void validate_dns_discovery_config(const DnsDiscoveryConfig& config) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("dns discovery: " + what); };
    if (config.name.empty()) fail("name must not be empty");
    if (config.port == 0) fail("port must be in 1-65535");
    if (config.refresh_interval.count() <= 0) fail("refresh_interval must be above 0");
}

Resolver system_resolver() {
    return [](const std::string& name) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* result = nullptr;
        const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &result);
        if (rc != 0) throw std::runtime_error("cannot resolve '" + name + "': " + ::gai_strerror(rc));
        std::vector<std::string> addresses;
        for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
            char text[INET6_ADDRSTRLEN] = {};
            const void* raw = nullptr;
            if (ai->ai_family == AF_INET) {
                raw = &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
            } else if (ai->ai_family == AF_INET6) {
                raw = &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr;
            }
            if (raw == nullptr || ::inet_ntop(ai->ai_family, raw, text, sizeof text) == nullptr) continue;
            if (std::find(addresses.begin(), addresses.end(), text) == addresses.end()) addresses.emplace_back(text);
        }
        ::freeaddrinfo(result);
        return addresses;
    };
}

class DnsDiscovery::State : public std::enable_shared_from_this<State> {
public:
    State(boost::asio::io_context& io, DnsDiscoveryConfig config, Resolver resolver,
          std::function<void(const std::string&)> on_error)
        : io_(io),
          config_((validate_dns_discovery_config(config), std::move(config))),
          resolver_(std::move(resolver)),
          on_error_(std::move(on_error)) {
        if (!resolver_) throw std::invalid_argument("dns discovery: resolver must be set");
    }

    void start(EndpointsCallback on_change) {
        std::lock_guard lock(mutex_);
        if (phase_ != Phase::kIdle) throw std::logic_error("dns discovery: start() called twice or after stop()");
        if (!on_change) throw std::invalid_argument("dns discovery: on_change must be set");
        on_change_ = std::move(on_change);
        phase_ = Phase::kRunning;
        thread_ = std::thread([self = shared_from_this()] { self->run(); });
    }

    void stop() {
        std::thread lookup;
        {
            std::unique_lock lock(mutex_);
            phase_ = Phase::kStopped;
            errors_.clear();
            lookup = std::move(thread_);
            wake_.notify_all();
            // From inside a callback, waiting would deadlock; that callback is the last one anyway.
            if (delivering_thread_ != std::this_thread::get_id())
                delivered_.wait(lock, [this] { return !delivering_; });
        }
        if (!lookup.joinable()) return;
        if (lookup.get_id() == std::this_thread::get_id()) {
            lookup.detach();  // the resolver itself called stop(); the thread ends when it returns
        } else {
            lookup.join();
        }
    }

    std::uint64_t failures() const {
        std::lock_guard lock(mutex_);
        return failures_;
    }

private:
    enum class Phase { kIdle, kRunning, kStopped };

    // The lookup thread: resolve, hand the outcome to the io_context, sleep, repeat.
    void run() {
        for (;;) {
            std::optional<std::vector<std::string>> addresses;
            std::string error;
            try {
                addresses = resolver_(config_.name);
            } catch (const std::exception& e) {
                error = e.what();
            } catch (...) {
                error = "unknown error";
            }
            {
                std::lock_guard lock(mutex_);
                if (phase_ != Phase::kRunning) return;
                if (addresses) {
                    latest_ = to_endpoints(*addresses);
                } else {
                    ++failures_;
                    push_error_locked("dns discovery: lookup of '" + config_.name + "' failed: " + error);
                    if (!latest_) latest_.emplace();  // the first outcome is always published
                }
            }
            boost::asio::post(io_, [self = shared_from_this()] { self->drain(); });
            std::unique_lock lock(mutex_);
            if (wake_.wait_for(lock, config_.refresh_interval, [this] { return phase_ != Phase::kRunning; })) return;
        }
    }

    std::vector<Endpoint> to_endpoints(const std::vector<std::string>& addresses) const {
        std::vector<Endpoint> endpoints;
        endpoints.reserve(addresses.size());
        for (const std::string& address : addresses)
            endpoints.push_back(Endpoint{address, config_.port, config_.weight});
        std::sort(endpoints.begin(), endpoints.end(),
                  [](const Endpoint& a, const Endpoint& b) { return a.host < b.host; });
        endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
        return endpoints;
    }

    void push_error_locked(std::string error) {
        if (!on_error_) return;
        // Bounded: a stalled io_context must not turn a failing name into unbounded memory.
        constexpr std::size_t kMaxQueuedErrors = 16;
        if (errors_.size() == kMaxQueuedErrors) errors_.pop_front();
        errors_.push_back(std::move(error));
    }

    // On the io_context. One thread at a time delivers; a drain arriving meanwhile leaves its news to it.
    void drain() {
        std::unique_lock lock(mutex_);
        if (delivering_) return;
        delivering_ = true;
        delivering_thread_ = std::this_thread::get_id();
        while (phase_ == Phase::kRunning) {
            if (!errors_.empty()) {
                const std::string error = std::move(errors_.front());
                errors_.pop_front();
                lock.unlock();
                try {
                    on_error_(error);
                } catch (...) {  // nowhere better to report it; it must not kill an io thread
                }
                lock.lock();
            } else if (latest_ && latest_ != published_) {
                published_ = latest_;
                std::vector<Endpoint> list = *latest_;
                lock.unlock();
                std::string error;
                try {
                    on_change_(std::move(list));
                } catch (const std::exception& e) {
                    error = std::string("dns discovery: on_change threw: ") + e.what();
                } catch (...) {
                    error = "dns discovery: on_change threw a non-exception";
                }
                lock.lock();
                if (!error.empty()) push_error_locked(std::move(error));
            } else {
                break;
            }
        }
        delivering_ = false;
        delivering_thread_ = {};
        delivered_.notify_all();
    }

    boost::asio::io_context& io_;
    const DnsDiscoveryConfig config_;
    const Resolver resolver_;
    const std::function<void(const std::string&)> on_error_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;       // ends the lookup thread's sleep early on stop()
    std::condition_variable delivered_;  // a delivery ended
    Phase phase_ = Phase::kIdle;
    EndpointsCallback on_change_;
    std::thread thread_;
    std::optional<std::vector<Endpoint>> latest_;     // the newest outcome of the lookup thread
    std::optional<std::vector<Endpoint>> published_;  // what on_change was last given
    std::deque<std::string> errors_;
    std::uint64_t failures_ = 0;
    bool delivering_ = false;
    std::thread::id delivering_thread_;
};

DnsDiscovery::DnsDiscovery(boost::asio::io_context& io, DnsDiscoveryConfig config, Resolver resolver,
                           std::function<void(const std::string& error)> on_error)
    : state_(std::make_shared<State>(io, std::move(config), std::move(resolver), std::move(on_error))) {}

DnsDiscovery::~DnsDiscovery() {
    stop();
}

void DnsDiscovery::start(EndpointsCallback on_change) {
    state_->start(std::move(on_change));
}

void DnsDiscovery::stop() {
    state_->stop();
}

std::uint64_t DnsDiscovery::resolution_failures() const {
    return state_->failures();
}

}  // namespace vg::cluster
