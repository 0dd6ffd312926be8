#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "store/result_store.hpp"

namespace vg::services::business {

// A stored result as the API shows it (times in RFC 3339 UTC, latency in milliseconds).
nlohmann::json result_view(const store::ResultRecord& record);

// "2026-11-24T10:00:00Z" (fractional seconds allowed) or Unix seconds; nullopt when neither.
std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text);
std::string format_time(std::chrono::system_clock::time_point time);

}  // namespace vg::services::business
