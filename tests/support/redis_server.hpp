#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace vg::test {

// True when a `redis-server` binary is on PATH; tests that need one GTEST_SKIP() otherwise.
bool redis_server_available();

// A real redis-server for a test: loopback only, on a free port, no persistence, its files in a
// temporary directory removed afterwards. Ready (answering PING) when the constructor returns.
// The destructor kills it. Not thread-safe.
class RedisServer {
public:
    // `extra_args` go on the command line after the defaults, e.g. {"--requirepass", "secret"}.
    // Throws std::runtime_error (with redis's log) when it does not come up.
    explicit RedisServer(std::vector<std::string> extra_args = {});
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    unsigned short port() const { return port_; }
    bool running() const { return process_ != nullptr; }

    // Shuts it down (SIGTERM; SIGKILL if it lingers) and waits until it has exited.
    void stop();
    // Starts it again on the same port, empty, and waits until it answers.
    void restart();
    // Freezes it (SIGSTOP): connections still open, nothing answers, as with a hung server.
    void pause();
    void resume();

    // Everything redis logged so far.
    std::string log() const;

private:
    // Starts on port_; false when it exited before answering because the port was taken.
    bool start();

    std::string program_;
    std::string dir_;
    std::vector<std::string> extra_args_;
    unsigned short port_ = 0;
    bool paused_ = false;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace vg::test
