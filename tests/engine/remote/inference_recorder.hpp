#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/inference.hpp"
#include "support/fake_upstream.hpp"

namespace vg::test {

// Records what an engine reports for one request, for tests to wait on and inspect. Thread-safe.
class InferenceRecorder {
public:
    // Callbacks that record into this recorder; `on_text_hook` (optional) runs after each piece is recorded.
    engine::InferenceCallbacks callbacks(std::function<void(const std::string&)> on_text_hook = {}) {
        engine::InferenceCallbacks callbacks;
        callbacks.on_text = [this, hook = std::move(on_text_hook)](const std::string& text) {
            {
                std::lock_guard lock(mutex_);
                pieces_.push_back(text);
                if (ends_ > 0) text_after_end_ = true;
                changed_.notify_all();
            }
            if (hook) hook(text);
        };
        callbacks.on_done = [this](engine::InferenceResult result) {
            std::lock_guard lock(mutex_);
            ++ends_;
            result_ = std::move(result);
            changed_.notify_all();
        };
        callbacks.on_error = [this](engine::InferenceError error) {
            std::lock_guard lock(mutex_);
            ++ends_;
            error_ = std::move(error);
            changed_.notify_all();
        };
        return callbacks;
    }

    // False if no on_done/on_error came in time.
    bool wait_for_end(std::chrono::milliseconds timeout = kDefaultWait) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return ends_ > 0; });
    }
    bool wait_for_pieces(std::size_t n, std::chrono::milliseconds timeout = kDefaultWait) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pieces_.size() >= n; });
    }

    std::vector<std::string> pieces() const {
        std::lock_guard lock(mutex_);
        return pieces_;
    }
    std::string text() const {
        std::string all;
        for (const auto& piece : pieces()) all += piece;
        return all;
    }
    std::optional<engine::InferenceResult> result() const {
        std::lock_guard lock(mutex_);
        return result_;
    }
    std::optional<engine::InferenceError> error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }
    // How many of on_done/on_error were called: must end up exactly 1.
    int ends() const {
        std::lock_guard lock(mutex_);
        return ends_;
    }
    bool text_after_end() const {
        std::lock_guard lock(mutex_);
        return text_after_end_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> pieces_;
    std::optional<engine::InferenceResult> result_;
    std::optional<engine::InferenceError> error_;
    int ends_ = 0;
    bool text_after_end_ = false;
};

}  // namespace vg::test
