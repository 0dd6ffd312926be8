#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vg::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 10s;
constexpr auto kStopTimeout = 10s;
constexpr int kPortAttempts = 5;

sockaddr_in loopback(unsigned short port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// A port the kernel just handed out and that nobody listens on. Redis refuses --port 0, so this is
// the best available; the race with another process taking it is handled by the caller's retry.
unsigned short free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

// True once something on the port answers PING with a RESP reply (+PONG, or -NOAUTH when a
// password is required).
bool answers_ping(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    timeval timeout{0, 200000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address = loopback(port);
    bool answered = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        constexpr char kPing[] = "PING\r\n";
        char reply = 0;
        answered = ::send(fd, kPing, sizeof kPing - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof kPing - 1) &&
                   ::recv(fd, &reply, 1, 0) == 1 && (reply == '+' || reply == '-');
    }
    ::close(fd);
    return answered;
}

std::string resolve_on_path(const std::string& program) {
    auto result = run_command("sh", {"-c", "command -v " + program});
    std::string path = result.output;
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    if (result.exit_code != 0 || path.empty()) throw std::runtime_error(program + " is not on PATH");
    return path;
}

}  // namespace

bool redis_server_available() {
    return on_path("redis-server");
}

RedisServer::RedisServer(std::vector<std::string> extra_args)
    : program_(resolve_on_path("redis-server")), extra_args_(std::move(extra_args)) {
    std::string pattern = (std::filesystem::temp_directory_path() / "vg-redis-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    for (int attempt = 1; attempt <= kPortAttempts; ++attempt) {
        port_ = free_port();
        if (start()) return;
    }
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("redis-server found no free port in " + std::to_string(kPortAttempts) + " attempts");
}

RedisServer::~RedisServer() {
    process_.reset();  // SIGKILL, which also ends a paused one
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

bool RedisServer::start() {
    // clang-format off
    std::vector<std::string> args = {
        "--port", std::to_string(port_),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", dir_,
        "--logfile", dir_ + "/redis.log",
    };
    // clang-format on
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    process_ = std::make_unique<ChildProcess>(program_, args);
    paused_ = false;

    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (answers_ping(port_)) return true;
        // Waits for its exit, which ends the wait early; 10 ms between PINGs otherwise.
        if (auto exit_code = process_->wait(10ms)) {
            process_.reset();
            const std::string text = log();
            if (text.find("Address already in use") != std::string::npos) return false;
            throw std::runtime_error("redis-server exited with " + std::to_string(*exit_code) + "; its log:\n" + text);
        }
    }
    process_.reset();
    throw std::runtime_error("redis-server did not answer PING within 10 s; its log:\n" + log());
}

void RedisServer::stop() {
    if (!process_) return;
    if (paused_) resume();
    process_->signal(SIGTERM);
    if (!process_->wait(kStopTimeout)) {
        process_->signal(SIGKILL);
        process_->wait(kStopTimeout);
    }
    process_.reset();
}

void RedisServer::restart() {
    stop();
    if (!start()) throw std::runtime_error("redis-server cannot restart: port " + std::to_string(port_) + " was taken");
}

void RedisServer::pause() {
    if (!process_ || paused_) return;
    process_->signal(SIGSTOP);
    paused_ = true;
}

void RedisServer::resume() {
    if (!process_ || !paused_) return;
    process_->signal(SIGCONT);
    paused_ = false;
}

std::string RedisServer::log() const {
    std::ifstream file(dir_ + "/redis.log");
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace vg::test
