#include "integration/load_harness.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

namespace vg::test {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::string json_error_code(const std::string& body) {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object()) return {};
    return parsed["error"].value("code", "");
}

double mean(const std::vector<double>& values) {
    if (values.empty()) return 0;
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

std::optional<ProcessUsage> read_process_usage(pid_t pid) {
    const std::string dir = "/proc/" + std::to_string(pid);
    std::ifstream status(dir + "/status");
    if (!status) return std::nullopt;
    ProcessUsage usage;
    bool zombie = false;
    std::string line;
    while (std::getline(status, line)) {
        std::istringstream fields(line);
        std::string key;
        fields >> key;
        if (key == "State:") {
            std::string state;
            fields >> state;
            zombie = state == "Z" || state == "X";
        } else if (key == "VmRSS:") {
            double kib = 0;
            fields >> kib;
            usage.rss_mib = kib / 1024;
        } else if (key == "Threads:") {
            fields >> usage.threads;
        }
    }
    if (zombie) return std::nullopt;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir + "/fd", ec), end; !ec && it != end; it.increment(ec)) ++usage.fds;
    if (ec) return std::nullopt;
    return usage;
}

ProcessSampler::ProcessSampler(std::vector<std::pair<std::string, pid_t>> processes, std::chrono::milliseconds period)
    : processes_(std::move(processes)), period_(period), started_(Clock::now()), thread_([this] { run(); }) {}

ProcessSampler::~ProcessSampler() {
    stop();
}

void ProcessSampler::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void ProcessSampler::run() {
    std::unique_lock lock(mutex_);
    auto next = Clock::now();
    while (!stopping_) {
        lock.unlock();
        const double at = seconds_between(started_, Clock::now());
        std::vector<std::pair<std::string, std::optional<ProcessUsage>>> read;
        for (const auto& [name, pid] : processes_) read.emplace_back(name, read_process_usage(pid));
        lock.lock();
        for (auto& [name, usage] : read) {
            if (usage) {
                samples_[name].push_back({at, *usage});
            } else if (std::find(lost_.begin(), lost_.end(), name) == lost_.end()) {
                lost_.push_back(name);
            }
        }
        // The sampling period: a fixed schedule, woken early only by stop().
        next += period_;
        wake_.wait_until(lock, next, [this] { return stopping_; });
    }
}

std::map<std::string, std::vector<ProcessSampler::Sample>> ProcessSampler::samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
}

std::vector<std::string> ProcessSampler::lost() const {
    std::lock_guard lock(mutex_);
    return lost_;
}

Trend trend(const std::vector<ProcessSampler::Sample>& samples, double warmup_seconds,
            const std::function<double(const ProcessUsage&)>& value) {
    std::vector<double> t;
    std::vector<double> y;
    for (const auto& sample : samples) {
        if (sample.seconds < warmup_seconds) continue;
        t.push_back(sample.seconds);
        y.push_back(value(sample.usage));
    }
    Trend out;
    out.samples = y.size();
    if (y.size() < 3) return out;
    const std::size_t third = y.size() / 3;
    out.first_mean = mean({y.begin(), y.begin() + static_cast<std::ptrdiff_t>(third)});
    out.last_mean = mean({y.end() - static_cast<std::ptrdiff_t>(third), y.end()});
    out.drift_percent = out.first_mean > 0 ? (out.last_mean - out.first_mean) / out.first_mean * 100 : 0;
    out.peak = *std::max_element(y.begin(), y.end());

    const double t_mean = mean(t);
    const double y_mean = mean(y);
    double covariance = 0;
    double variance = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        covariance += (t[i] - t_mean) * (y[i] - y_mean);
        variance += (t[i] - t_mean) * (t[i] - t_mean);
    }
    const double slope = variance > 0 ? covariance / variance : 0;  // per second
    out.slope_per_minute = slope * 60;
    const double window = t.back() - t.front();
    out.growth_percent = y_mean > 0 ? slope * window / y_mean * 100 : 0;
    return out;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

PacedLoad::PacedLoad(Send send, double requests_per_second, std::size_t workers)
    : send_(std::move(send)),
      interval_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / requests_per_second))),
      started_(Clock::now()) {
    for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

PacedLoad::~PacedLoad() {
    stop();
}

void PacedLoad::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) {
        if (worker.joinable()) worker.join();
    }
}

void PacedLoad::work() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const std::size_t index = next_++;
        const auto due = started_ + interval_ * static_cast<Clock::rep>(index);
        // The schedule itself: each request waits for its slot (stop() wakes everyone).
        if (wake_.wait_until(lock, due, [this] { return stopping_; })) return;
        lock.unlock();
        auto response = send_(index);
        LoadOutcome outcome;
        outcome.latency_ms = seconds_between(due, Clock::now()) * 1000;
        outcome.due_seconds = seconds_between(started_, due);
        if (response) {
            outcome.status = response->status;
            outcome.retry_after = response->headers.contains("Retry-After");
            if (response->status >= 400) outcome.error_code = json_error_code(response->body);
        }
        lock.lock();
        outcomes_.push_back(std::move(outcome));
    }
}

std::vector<LoadOutcome> PacedLoad::outcomes() const {
    std::lock_guard lock(mutex_);
    return outcomes_;
}

std::size_t PacedLoad::answered() const {
    std::lock_guard lock(mutex_);
    return outcomes_.size();
}

}  // namespace vg::test
