#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace vg::services::monitor {

// What the monitor knows about one scraped instance.
struct InstanceStatus {
    std::string instance;  // "host:port"
    std::string role;
    bool scraped = false;                        // a scrape has completed since it was discovered
    bool up = false;                             // /health answered 200
    bool ready = false;                          // /ready answered 200
    std::optional<std::int64_t> last_scrape_ms;  // start of the last completed scrape (Unix ms)
    std::optional<std::string> error;            // what went wrong in the last scrape, if anything
};

// One completed scrape of an instance.
struct ScrapeResult {
    bool up = false;
    bool ready = false;
    std::int64_t started_ms = 0;
    std::optional<std::string> error;
};

// The instances being scraped and their last verdicts. Thread-safe.
class InstanceRegistry {
public:
    // Replaces the membership: new instances start unscraped, departed ones are forgotten. Returns
    // the instances that departed.
    std::vector<std::string> set_members(const std::map<std::string, std::string>& role_by_instance);
    // Ignored for an instance no longer a member (its scrape finished after it left).
    void record(const std::string& instance, const ScrapeResult& result);
    std::vector<InstanceStatus> snapshot() const;  // ordered by role, then instance
    std::optional<InstanceStatus> find(const std::string& instance) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, InstanceStatus> instances_;
};

}  // namespace vg::services::monitor
