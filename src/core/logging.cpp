#include "core/logging.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/config_node.hpp"

namespace vg {
namespace {

const std::vector<std::string> kLevelNames = {"trace", "debug", "info", "warn", "error", "off"};

spdlog::level::level_enum to_spdlog(LogLevel level) {
    switch (level) {
        case LogLevel::kTrace: return spdlog::level::trace;
        case LogLevel::kDebug: return spdlog::level::debug;
        case LogLevel::kInfo: return spdlog::level::info;
        case LogLevel::kWarn: return spdlog::level::warn;
        case LogLevel::kError: return spdlog::level::err;
    }
    return spdlog::level::info;
}

std::string dump(const nlohmann::json& value) { return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

LogConfig parse_log_config(ConfigNode node) {
    LogConfig config;
    node.read_enum("format", config.format, {"text", "json"});
    node.read_enum("level", config.level, kLevelNames);
    node.read("levels", config.levels);
    for (const auto& [component, level] : config.levels) {
        if (std::find(kLevelNames.begin(), kLevelNames.end(), level) == kLevelNames.end()) {
            node.fail("levels." + component, "'" + level + "' is not one of: trace, debug, info, warn, error, off");
        }
    }
    node.finish();
    return config;
}

Logger::Logger(std::shared_ptr<spdlog::logger> logger, bool json, std::string service)
    : logger_(std::move(logger)), json_(json), service_(std::move(service)) {}

bool Logger::enabled(LogLevel level) const { return logger_ && logger_->should_log(to_spdlog(level)); }

void Logger::log(LogLevel level, std::string_view request_id, std::string_view message) const {
    log(level, request_id, message, nlohmann::json::object());
}

void Logger::log(LogLevel level, std::string_view request_id, std::string_view message, const nlohmann::json& fields) const {
    if (!enabled(level)) return;
    std::string line;
    if (json_) {
        // The sink's pattern supplies {"time":..,"level":.. and this payload closes the object.
        nlohmann::json rest = {{"service", service_}, {"component", logger_->name()}, {"request_id", request_id}, {"message", message}};
        if (!fields.empty()) rest["fields"] = fields;
        std::string body = dump(rest);
        line = body.substr(1);  // drop the leading '{'
    } else {
        line.append(message);
        if (!request_id.empty()) line.append(" request_id=").append(request_id);
        if (fields.is_object()) {
            for (const auto& [key, value] : fields.items()) line.append(" ").append(key).append("=").append(value.is_string() ? value.get<std::string>() : dump(value));
        }
    }
    logger_->log(to_spdlog(level), "{}", line);
}

LogSystem::LogSystem(LogConfig config, std::string service, std::shared_ptr<spdlog::sinks::sink> sink)
    : config_(std::move(config)), service_(std::move(service)), sink_(std::move(sink)) {
    if (!sink_) sink_ = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    if (config_.format == "json") {
        sink_->set_formatter(std::make_unique<spdlog::pattern_formatter>(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v)",
                                                                    spdlog::pattern_time_type::utc));
    } else {
        sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
    }
}

Logger LogSystem::get(const std::string& component) const {
    auto logger = std::make_shared<spdlog::logger>(component, sink_);
    auto it = config_.levels.find(component);
    logger->set_level(spdlog::level::from_str(it != config_.levels.end() ? it->second : config_.level));
    logger->flush_on(spdlog::level::warn);
    return Logger(std::move(logger), config_.format == "json", service_);
}

}  // namespace vg
