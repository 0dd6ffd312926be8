#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace vg::test {

// A real `visiongrid` (or any) process started for a test, its stdout and stderr captured.
// The destructor kills it if it is still running.
class ChildProcess {
public:
    ChildProcess(const std::string& program, const std::vector<std::string>& args);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Reads stdout until a line contains `marker`; returns that line, or nullopt on EOF or timeout.
    std::optional<std::string> wait_for_line(const std::string& marker, std::chrono::milliseconds timeout);
    // Reads "... port N" from the role's ready line.
    unsigned short wait_for_port(std::chrono::milliseconds timeout = std::chrono::seconds(20));

    void signal(int signo);
    // Waits for exit; returns the exit code (128+signal when killed), nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // Everything written to stderr so far (after wait(), all of it).
    std::string stderr_text();
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    std::string stdout_buffer_;
    std::string stderr_buffer_;
    std::optional<int> exit_code_;
};

// Runs a command to completion; returns its exit code and combined output.
struct CommandResult {
    int exit_code;
    std::string output;
};
CommandResult run_command(const std::string& program, const std::vector<std::string>& args, const std::string& stdin_text = {});

// True when `program` is found on PATH.
bool on_path(const std::string& program);

}  // namespace vg::test
