#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace vg {

class ConfigNode;

struct LogConfig {
    std::string format = "text";  // "json": one JSON object per line; "text": for people
    std::string level = "info";   // trace, debug, info, warn, error, off
    std::map<std::string, std::string> levels;  // per component, e.g. {net: debug}
};

LogConfig parse_log_config(ConfigNode node);

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// A component's logger. Cheap to copy; thread-safe. Every line carries the service, the component
// and the request id (empty outside a request), plus free-form fields.
class Logger {
public:
    Logger() = default;  // discards everything
    Logger(std::shared_ptr<spdlog::logger> logger, bool json, std::string service);

    void log(LogLevel level, std::string_view request_id, std::string_view message, const nlohmann::json& fields) const;
    void log(LogLevel level, std::string_view request_id, std::string_view message) const;
    bool enabled(LogLevel level) const;

    template <class... Fields>
    void info(std::string_view request_id, std::string_view message, Fields&&... fields) const {
        log(LogLevel::kInfo, request_id, message, std::forward<Fields>(fields)...);
    }
    template <class... Fields>
    void warn(std::string_view request_id, std::string_view message, Fields&&... fields) const {
        log(LogLevel::kWarn, request_id, message, std::forward<Fields>(fields)...);
    }
    template <class... Fields>
    void error(std::string_view request_id, std::string_view message, Fields&&... fields) const {
        log(LogLevel::kError, request_id, message, std::forward<Fields>(fields)...);
    }
    template <class... Fields>
    void debug(std::string_view request_id, std::string_view message, Fields&&... fields) const {
        log(LogLevel::kDebug, request_id, message, std::forward<Fields>(fields)...);
    }

private:
    std::shared_ptr<spdlog::logger> logger_;
    bool json_ = false;
    std::string service_;
};

// Makes the loggers of one process from its LogConfig; all write to one sink (stderr by default).
class LogSystem {
public:
    explicit LogSystem(LogConfig config, std::string service, std::shared_ptr<spdlog::sinks::sink> sink = nullptr);
    Logger get(const std::string& component) const;
    const std::string& service() const { return service_; }

private:
    LogConfig config_;
    std::string service_;
    std::shared_ptr<spdlog::sinks::sink> sink_;
};

}  // namespace vg
