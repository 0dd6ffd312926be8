#include "services/business/result_view.hpp"

#include <charconv>
#include <ctime>
#include <cstdio>

namespace vg::services::business {

std::string format_time(std::chrono::system_clock::time_point time) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                  utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(micros % 1'000'000));
    return text;
}

std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text) {
    long long unix_seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), unix_seconds);
    if (ec == std::errc{} && end == text.data() + text.size()) {
        return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
    }
    std::tm utc{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour, &utc.tm_min,
                    &utc.tm_sec, &consumed) != 6) {
        return std::nullopt;
    }
    std::string_view rest(text.c_str() + consumed);
    long long micros = 0;
    if (rest.starts_with('.')) {
        rest.remove_prefix(1);
        int digits = 0;
        while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
            if (digits < 6) micros = micros * 10 + (rest[0] - '0'), ++digits;
            rest.remove_prefix(1);
        }
        while (digits++ < 6) micros *= 10;
    }
    if (rest != "Z") return std::nullopt;
    utc.tm_year -= 1900;
    utc.tm_mon -= 1;
    const std::time_t seconds = timegm(&utc);
    if (seconds == -1) return std::nullopt;
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds) + std::chrono::microseconds(micros));
}

nlohmann::json result_view(const store::ResultRecord& record) {
    nlohmann::json view = {{"id", record.id},
                           {"task", record.task},
                           {"status", record.status},
                           {"result", record.result},
                           {"caller_reference", record.caller_reference},
                           {"metadata", record.metadata},
                           {"image_hash", record.image_hash},
                           {"model", record.model},
                           {"prompt_version", record.prompt_version},
                           {"raw_output", record.raw_output},
                           {"latency_ms", record.latency.count()},
                           {"created_at", format_time(record.created_at)}};
    if (!record.error.empty()) view["error"] = record.error;
    return view;
}

}  // namespace vg::services::business
