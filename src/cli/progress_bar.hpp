#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace vg::cli {

enum class ProgressUnit { kBytes, kItems };

// What one progress line shows.
struct ProgressSnapshot {
    std::string label;
    std::uint64_t done = 0;
    std::optional<std::uint64_t> total;  // unknown: no percentage, no bar, no ETA
    double rate = 0;                     // units per second; <= 0 while unknown
    ProgressUnit unit = ProgressUnit::kBytes;
    std::string extra;  // appended as is, e.g. "2 failed"
};

// "512 B", "1.5 KiB", "8.11 GiB".
std::string format_bytes(std::uint64_t bytes);
// "42s", "3m05s", "2h07m".
std::string format_duration(std::chrono::seconds duration);
// The seconds left at `rate`, or nullopt when the total or the rate is unknown.
std::optional<std::chrono::seconds> eta(const ProgressSnapshot& snapshot);

// A terminal line at most `width` columns: label, [====>   ] bar, percent, amounts, rate, ETA, extra.
// The bar is dropped first when the line would not fit.
std::string render_progress_bar(const ProgressSnapshot& snapshot, int width);
// The same facts without a bar, for logs and pipes.
std::string render_progress_text(const ProgressSnapshot& snapshot);

// Units per second over the last `window` of samples. Not thread-safe.
class RateMeter {
public:
    using Clock = std::chrono::steady_clock;
    explicit RateMeter(std::chrono::milliseconds window = std::chrono::seconds(5)) : window_(window) {}
    void add(Clock::time_point now, std::uint64_t total_done);
    double rate() const;

private:
    std::chrono::milliseconds window_;
    std::deque<std::pair<Clock::time_point, std::uint64_t>> samples_;
};

// Draws progress on a stream (stderr): on a terminal one line redrawn in place at most ten times a second;
// otherwise a plain line every `plain_interval` (logs and pipes get no carriage returns). Thread-safe.
class ProgressReporter {
public:
    ProgressReporter(std::FILE* out, std::string label, std::optional<std::uint64_t> total, ProgressUnit unit,
                     std::chrono::milliseconds plain_interval = std::chrono::seconds(5));
    ProgressReporter(const ProgressReporter&) = delete;
    ProgressReporter& operator=(const ProgressReporter&) = delete;

    void set_total(std::optional<std::uint64_t> total);
    // Starts measuring the rate afresh from `done` (a resumed or restarted download).
    void rebase(std::uint64_t done);
    // `done` is the running total; `extra` replaces the previous one.
    void update(std::uint64_t done, std::string extra = {});
    // The last line, drawn whatever the throttle says; ends the terminal line.
    void finish();
    // Clears the terminal line so that another message can be printed; the next update redraws it.
    void clear();
    bool on_terminal() const { return terminal_; }

private:
    void draw(bool final);

    std::mutex mutex_;
    std::FILE* out_;
    bool terminal_;
    std::chrono::milliseconds plain_interval_;
    ProgressSnapshot snapshot_;
    RateMeter meter_;
    RateMeter::Clock::time_point started_;
    std::uint64_t started_done_ = 0;
    RateMeter::Clock::time_point last_draw_{};
    bool drawn_ = false;
    bool finished_ = false;
};

// Whether `stream` is a terminal.
bool is_terminal(std::FILE* stream);

}  // namespace vg::cli
