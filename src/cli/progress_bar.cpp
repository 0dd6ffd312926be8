#include "cli/progress_bar.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vg::cli {

namespace {

std::string amount(std::uint64_t value, ProgressUnit unit) {
    return unit == ProgressUnit::kBytes ? format_bytes(value) : std::to_string(value);
}

std::string rate_text(double rate, ProgressUnit unit) {
    if (rate <= 0) return {};
    if (unit == ProgressUnit::kBytes) return format_bytes(static_cast<std::uint64_t>(rate)) + "/s";
    char text[32];
    std::snprintf(text, sizeof text, rate < 10 ? "%.1f/s" : "%.0f/s", rate);
    return text;
}

int terminal_width(std::FILE* out) {
    winsize size{};
    if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    return 80;
}

// The parts after the bar: "42%  3.4 GiB/8.1 GiB  52 MiB/s  ETA 1m32s  2 failed".
std::string facts(const ProgressSnapshot& s, bool with_percent) {
    std::string text;
    auto append = [&text](const std::string& part) {
        if (part.empty()) return;
        if (!text.empty()) text += "  ";
        text += part;
    };
    if (s.total && with_percent) {
        const double fraction = *s.total == 0 ? 1.0 : static_cast<double>(s.done) / static_cast<double>(*s.total);
        append(std::to_string(static_cast<int>(std::floor(std::min(fraction, 1.0) * 100))) + "%");
    }
    std::string counts = amount(s.done, s.unit);
    if (s.total) counts += "/" + amount(*s.total, s.unit);
    if (s.unit == ProgressUnit::kItems) counts += " items";
    append(counts);
    append(rate_text(s.rate, s.unit));
    if (auto left = eta(s)) append("ETA " + format_duration(*left));
    append(s.extra);
    return text;
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) value /= 1024, ++unit;
    char text[32];
    std::snprintf(text, sizeof text, value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
    return text;
}

std::string format_duration(std::chrono::seconds duration) {
    const long long total = std::max<long long>(0, duration.count());
    char text[32];
    if (total < 60) {
        std::snprintf(text, sizeof text, "%llds", total);
    } else if (total < 3600) {
        std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
    } else {
        std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, (total % 3600) / 60);
    }
    return text;
}

std::optional<std::chrono::seconds> eta(const ProgressSnapshot& snapshot) {
    if (!snapshot.total || snapshot.rate <= 0) return std::nullopt;
    if (snapshot.done >= *snapshot.total) return std::nullopt;  // finished: nothing to wait for
    const std::uint64_t left = *snapshot.total - snapshot.done;
    return std::chrono::seconds(static_cast<long long>(std::ceil(static_cast<double>(left) / snapshot.rate)));
}

std::string render_progress_bar(const ProgressSnapshot& snapshot, int width) {
    const std::string tail = facts(snapshot, true);
    std::string head = snapshot.label.empty() ? std::string() : snapshot.label + " ";
    constexpr int kMinBar = 10;
    const int room = width - static_cast<int>(head.size() + tail.size()) - 3;  // "[", "]", " "
    if (!snapshot.total || room < kMinBar) {
        std::string line = head + tail;
        if (static_cast<int>(line.size()) > width && width > 0) line.resize(static_cast<std::size_t>(width));
        return line;
    }
    const int bar = std::min(room, 40);
    const double fraction =
        *snapshot.total == 0 ? 1.0
                             : std::min(1.0, static_cast<double>(snapshot.done) / static_cast<double>(*snapshot.total));
    const int filled = static_cast<int>(fraction * bar);
    std::string drawn(static_cast<std::size_t>(filled), '=');
    if (filled < bar) drawn += '>';
    drawn.resize(static_cast<std::size_t>(bar), ' ');
    return head + "[" + drawn + "] " + tail;
}

std::string render_progress_text(const ProgressSnapshot& snapshot) {
    return (snapshot.label.empty() ? std::string() : snapshot.label + ": ") + facts(snapshot, true);
}

void RateMeter::add(Clock::time_point now, std::uint64_t total_done) {
    samples_.emplace_back(now, total_done);
    // Older samples go, but two always stay: a rate needs a span.
    while (samples_.size() > 2 && now - samples_.front().first > window_) samples_.pop_front();
}

double RateMeter::rate() const {
    if (samples_.size() < 2) return 0;
    const auto span = std::chrono::duration<double>(samples_.back().first - samples_.front().first).count();
    if (span < 0.2) return 0;  // too short to say anything
    return static_cast<double>(samples_.back().second - samples_.front().second) / span;
}

bool is_terminal(std::FILE* stream) {
    return isatty(fileno(stream)) == 1;
}

ProgressReporter::ProgressReporter(std::FILE* out, std::string label, std::optional<std::uint64_t> total,
                                   ProgressUnit unit, std::chrono::milliseconds plain_interval)
    : out_(out), terminal_(is_terminal(out)), plain_interval_(plain_interval), started_(RateMeter::Clock::now()) {
    snapshot_.label = std::move(label);
    snapshot_.total = total;
    snapshot_.unit = unit;
    meter_.add(started_, 0);
}

void ProgressReporter::set_total(std::optional<std::uint64_t> total) {
    std::lock_guard lock(mutex_);
    snapshot_.total = total;
}

void ProgressReporter::rebase(std::uint64_t done) {
    std::lock_guard lock(mutex_);
    started_ = RateMeter::Clock::now();
    started_done_ = done;
    meter_ = RateMeter();
    meter_.add(started_, done);
    snapshot_.done = done;
}

void ProgressReporter::update(std::uint64_t done, std::string extra) {
    std::lock_guard lock(mutex_);
    const auto now = RateMeter::Clock::now();
    done = std::max(done, snapshot_.done);  // workers may report out of order; the count never goes back
    meter_.add(now, done);
    snapshot_.done = done;
    snapshot_.extra = std::move(extra);
    const auto interval = terminal_ ? std::chrono::milliseconds(100) : plain_interval_;
    if (drawn_ && now - last_draw_ < interval) return;
    last_draw_ = now;
    draw(false);
}

void ProgressReporter::finish() {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    // The overall average is what a finished transfer's rate means.
    const double seconds = std::chrono::duration<double>(RateMeter::Clock::now() - started_).count();
    const auto moved = snapshot_.done > started_done_ ? snapshot_.done - started_done_ : 0;
    snapshot_.rate = seconds > 0 ? static_cast<double>(moved) / seconds : 0;
    draw(true);
}

void ProgressReporter::clear() {
    std::lock_guard lock(mutex_);
    if (terminal_ && drawn_) {
        std::fputs("\r\x1b[K", out_);
        std::fflush(out_);
        drawn_ = false;
    }
}

void ProgressReporter::draw(bool final) {
    if (!final) snapshot_.rate = meter_.rate();
    if (terminal_) {
        std::string line = "\r" + render_progress_bar(snapshot_, terminal_width(out_) - 1) + "\x1b[K";
        if (final) line += "\n";
        std::fputs(line.c_str(), out_);
    } else {
        std::fputs((render_progress_text(snapshot_) + "\n").c_str(), out_);
    }
    std::fflush(out_);
    drawn_ = !final;
}

}  // namespace vg::cli
