#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vg::services::monitor {

// A sample's labels, sorted by name, each name once.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One line of an exposition. Histograms and summaries arrive as their own samples (x_bucket{le=…},
// x_sum, x_count, x{quantile=…}), exactly as written.
struct Sample {
    std::string name;
    Labels labels;
    double value = 0;
    std::optional<std::int64_t> timestamp_ms;
};

struct Exposition {
    std::vector<Sample> samples;
    std::map<std::string, std::string> types;  // family → counter, gauge, histogram, summary or untyped
    std::map<std::string, std::string> help;   // family → docstring, unescaped
};

// A malformed exposition; the message names the line. The whole scrape is refused, as Prometheus does.
class ExpositionError : public std::runtime_error {
public:
    ExpositionError(std::size_t line, const std::string& problem)
        : std::runtime_error("line " + std::to_string(line) + ": " + problem), line_(line) {}
    std::size_t line() const { return line_; }

private:
    std::size_t line_;
};

// Parses the Prometheus text format 0.0.4: # HELP / # TYPE lines (other comments skipped), label
// values with \\ \" \n escapes, NaN / +Inf / -Inf values, optional millisecond timestamps.
// Throws ExpositionError. Thread-safe (pure).
Exposition parse_prometheus_text(std::string_view text);

// The value of label `name`, or nullptr.
const std::string* find_label(const Labels& labels, std::string_view name);

}  // namespace vg::services::monitor
