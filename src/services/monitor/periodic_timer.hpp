#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace vg::services::monitor {

// Calls `tick` on the io_context's thread every `period`, on a fixed schedule (start + k × period):
// a slow tick does not push the next ones back, and ticks missed meanwhile are skipped, not bunched.
// start() and stop() from any thread; after stop() returns on the io thread, or once the io_context
// has stopped, no tick runs. The io_context must outlive the timer.
class PeriodicTimer {
public:
    PeriodicTimer(boost::asio::io_context& io, std::chrono::milliseconds period, std::function<void()> tick);
    ~PeriodicTimer();
    PeriodicTimer(const PeriodicTimer&) = delete;
    PeriodicTimer& operator=(const PeriodicTimer&) = delete;

    void start();  // the first tick at once
    void stop();

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace vg::services::monitor
