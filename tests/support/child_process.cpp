#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

extern char** environ;

namespace vg::test {
namespace {

std::vector<char*> argv_of(const std::string& program, const std::vector<std::string>& args, std::vector<std::string>& storage) {
    storage.clear();
    storage.push_back(program);
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    return argv;
}

// Appends what is readable on `fd` now; false at EOF.
bool drain_fd(int fd, std::string& into) {
    char chunk[4096];
    while (true) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            into.append(chunk, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return false;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, err[0]);
    std::vector<std::string> storage;
    auto argv = argv_of(program, args, storage);
    int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + program);
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    fcntl(stdout_fd_, F_SETFL, O_NONBLOCK);
    fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
    if (!exit_code_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

std::optional<std::string> ChildProcess::wait_for_line(const std::string& marker, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t scanned = 0;
    while (true) {
        std::size_t eol;
        while ((eol = stdout_buffer_.find('\n', scanned)) != std::string::npos) {
            std::string line = stdout_buffer_.substr(scanned, eol - scanned);
            scanned = eol + 1;
            if (line.find(marker) != std::string::npos) {
                stdout_buffer_.erase(0, scanned);
                return line;
            }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
        ::poll(fds, 2, static_cast<int>(left.count()));
        drain_fd(stderr_fd_, stderr_buffer_);
        if (!drain_fd(stdout_fd_, stdout_buffer_)) {
            // EOF: the process ended without printing the marker.
            return std::nullopt;
        }
    }
}

unsigned short ChildProcess::wait_for_port(std::chrono::milliseconds timeout) {
    auto line = wait_for_line("listening on port", timeout);
    if (!line) throw std::runtime_error("process did not report a port; stderr:\n" + stderr_text());
    return static_cast<unsigned short>(std::stoi(line->substr(line->rfind(' ') + 1)));
}

void ChildProcess::signal(int signo) { ::kill(pid_, signo); }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (exit_code_) return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            exit_code_ = decode_status(status);
            drain_fd(stdout_fd_, stdout_buffer_);
            drain_fd(stderr_fd_, stderr_buffer_);
            return exit_code_;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        // Wake on output (keeps the pipes from filling) or every 20 ms to re-check the child.
        pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
        ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 20)));
        drain_fd(stdout_fd_, stdout_buffer_);
        drain_fd(stderr_fd_, stderr_buffer_);
    }
}

std::string ChildProcess::stderr_text() {
    drain_fd(stderr_fd_, stderr_buffer_);
    return stderr_buffer_;
}

CommandResult run_command(const std::string& program, const std::vector<std::string>& args, const std::string& stdin_text) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> storage;
    auto argv = argv_of(program, args, storage);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) {
        ::close(in[1]);
        ::close(out[0]);
        return {127, "cannot start " + program};
    }
    std::size_t written = 0;
    while (written < stdin_text.size()) {
        ssize_t n = ::write(in[1], stdin_text.data() + written, stdin_text.size() - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::close(in[1]);
    std::string output;
    char chunk[4096];
    ssize_t n;
    while ((n = ::read(out[0], chunk, sizeof chunk)) > 0) output.append(chunk, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {decode_status(status), output};
}

bool on_path(const std::string& program) { return run_command("sh", {"-c", "command -v " + program}).exit_code == 0; }

}  // namespace vg::test
