#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <map>
#include <mutex>
#include <string>

namespace vg::obs {

// Readiness of one process, made of named component checks ("model": loading, "draining": …).
// The process is ready when every component is. Thread-safe.
class Readiness {
public:
    void set(const std::string& component, bool ready, std::string reason = {});
    // A condition evaluated at every readiness query: returns the reason it blocks, or nullopt.
    void add_check(const std::string& component, std::function<std::optional<std::string>()> check);
    bool ready() const;
    // {component: reason} of every component that is not ready.
    std::map<std::string, std::string> blockers() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::pair<bool, std::string>> components_;
    std::map<std::string, std::function<std::optional<std::string>()>> checks_;
};

}  // namespace vg::obs
