#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/logging.hpp"
#include "services/monitor/instance_scrape.hpp"
#include "services/monitor/periodic_timer.hpp"

namespace boost::asio {
class io_context;
}
namespace vg::net {
class HttpClient;
}

namespace vg::services::monitor {

class InstanceRegistry;
class MonitorClock;
class SeriesStore;

// `monitor.scrape`.
struct ScrapeConfig {
    std::chrono::milliseconds interval{5'000};
    std::chrono::milliseconds timeout{2'000};        // per request; below the interval
    std::chrono::milliseconds retention{3'600'000};  // history kept per series
    std::size_t max_series = 10'000;
    std::chrono::milliseconds rate_window{60'000};  // window of the figures the dashboard shows
};

struct ScraperDeps {
    boost::asio::io_context& io;
    net::HttpClient& client;  // runs its callbacks on `io`
    const MonitorClock& clock;
    InstanceRegistry& registry;
    SeriesStore& store;
    Logger log;
    // After each completed scrape, once registry and store hold it (on the io thread).
    std::function<void(const std::string& instance, const InstanceScrape& scrape)> on_scraped;
};

// Scrapes every member instance each interval, all at once: an instance whose previous scrape has not
// finished is skipped this round, so a slow or hung one delays nobody else. Results go to the
// registry (up, ready, error) and the store (samples). Everything runs on the io thread; start()
// and stop() may be called from any thread.
class Scraper {
public:
    Scraper(ScrapeConfig config, ScraperDeps deps);
    ~Scraper();
    Scraper(const Scraper&) = delete;
    Scraper& operator=(const Scraper&) = delete;

    // The new membership (from TargetSet, on the io thread): departed instances are forgotten.
    void set_members(const std::map<std::string, std::string>& role_by_instance);
    void start();
    void stop();

    std::size_t rounds() const { return rounds_; }
    std::size_t skipped() const { return skipped_; }  // scrapes skipped because the last was still running

private:
    void round();

    const ScrapeConfig config_;
    ScraperDeps deps_;
    std::set<std::string> in_flight_;
    std::size_t rounds_ = 0;
    std::size_t skipped_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    PeriodicTimer timer_;  // last: its ticks use everything above
};

}  // namespace vg::services::monitor
