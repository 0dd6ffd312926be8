#include "services/monitor/periodic_timer.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vg::services::monitor {

struct PeriodicTimer::State : std::enable_shared_from_this<State> {
    State(boost::asio::io_context& io, std::chrono::milliseconds p, std::function<void()> t)
        : timer(io), period(p), tick(std::move(t)) {}

    void arm(std::chrono::steady_clock::time_point at) {
        timer.expires_at(at);
        timer.async_wait([self = shared_from_this(), at](boost::system::error_code ec) {
            if (ec || self->stopped) return;
            self->tick();
            auto next = at + self->period;
            const auto now = std::chrono::steady_clock::now();
            if (next <= now) next += ((now - next) / self->period + 1) * self->period;  // skip the missed ones
            if (!self->stopped) self->arm(next);
        });
    }

    boost::asio::steady_timer timer;
    const std::chrono::milliseconds period;
    const std::function<void()> tick;
    std::atomic<bool> stopped{false};
};

PeriodicTimer::PeriodicTimer(boost::asio::io_context& io, std::chrono::milliseconds period, std::function<void()> tick)
    : state_(std::make_shared<State>(io, period, std::move(tick))) {}

PeriodicTimer::~PeriodicTimer() {
    stop();
}

void PeriodicTimer::start() {
    boost::asio::post(state_->timer.get_executor(), [state = state_] {
        if (!state->stopped) state->arm(std::chrono::steady_clock::now());
    });
}

void PeriodicTimer::stop() {
    state_->stopped = true;
    boost::asio::post(state_->timer.get_executor(), [state = state_] { state->timer.cancel(); });
}

}  // namespace vg::services::monitor
