#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/raw_http.hpp"

// What the soak, overload and network-fault tests share: resource use read from /proc, trend statistics,
// and an open-loop load generator.
namespace vg::test {

// One process's resource use right now, from /proc/PID/status and /proc/PID/fd; nullopt once it is gone.
struct ProcessUsage {
    double rss_mib = 0;
    int fds = 0;
    int threads = 0;
};
std::optional<ProcessUsage> read_process_usage(pid_t pid);

// Reads every named process every `period` on its own thread until stop(): a time series per process.
// Thread-safe.
class ProcessSampler {
public:
    struct Sample {
        double seconds;  // since the sampler started
        ProcessUsage usage;
    };

    ProcessSampler(std::vector<std::pair<std::string, pid_t>> processes, std::chrono::milliseconds period);
    ~ProcessSampler();
    ProcessSampler(const ProcessSampler&) = delete;
    ProcessSampler& operator=(const ProcessSampler&) = delete;

    void stop();
    std::map<std::string, std::vector<Sample>> samples() const;
    // Processes that vanished while sampled (a crash under load).
    std::vector<std::string> lost() const;

private:
    void run();

    const std::vector<std::pair<std::string, pid_t>> processes_;
    const std::chrono::milliseconds period_;
    const std::chrono::steady_clock::time_point started_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::map<std::string, std::vector<Sample>> samples_;
    std::vector<std::string> lost_;
    std::thread thread_;  // last: started once the rest exists
};

// How a series moves over a run, ignoring the samples before `warmup_seconds`:
//   drift_percent  = (mean of the last third - mean of the first third) / mean of the first third
//   growth_percent = least-squares slope x the window's length / the window's mean: how much the series
//                    grows over the window if its trend is a straight line.
struct Trend {
    std::size_t samples = 0;
    double first_mean = 0;
    double last_mean = 0;
    double drift_percent = 0;
    double slope_per_minute = 0;  // in the series' unit
    double growth_percent = 0;
    double peak = 0;
};
Trend trend(const std::vector<ProcessSampler::Sample>& samples, double warmup_seconds,
            const std::function<double(const ProcessUsage&)>& value);

// The p-th percentile (0-100) by the nearest-rank method; 0 for no values.
double percentile(std::vector<double> values, double p);

// One answer the load generator got.
struct LoadOutcome {
    int status = 0;            // 0: no answer (connection failed, or timed out)
    double latency_ms = 0;     // from the moment the request was due, so a late start counts against it
    double due_seconds = 0;    // when it was due, since the load started
    bool retry_after = false;  // carried a Retry-After header
    std::string error_code;    // the JSON error body's code, if any
};

// Sends requests at a fixed rate (open loop: the schedule does not wait for answers, so an overloaded
// server cannot slow its own load down) from `workers` threads, until stop(). Thread-safe.
class PacedLoad {
public:
    using Send = std::function<std::optional<RawResponse>(std::size_t index)>;

    PacedLoad(Send send, double requests_per_second, std::size_t workers);
    ~PacedLoad();
    PacedLoad(const PacedLoad&) = delete;
    PacedLoad& operator=(const PacedLoad&) = delete;

    // Sends nothing more; waits for the requests in flight.
    void stop();
    std::vector<LoadOutcome> outcomes() const;
    std::size_t answered() const;
    // When request 0 was due: LoadOutcome::due_seconds counts from here.
    std::chrono::steady_clock::time_point started() const { return started_; }

private:
    void work();

    const Send send_;
    const std::chrono::steady_clock::duration interval_;
    const std::chrono::steady_clock::time_point started_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::size_t next_ = 0;
    std::vector<LoadOutcome> outcomes_;
    std::vector<std::thread> workers_;  // last: started once the rest exists
};

}  // namespace vg::test
