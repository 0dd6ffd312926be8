#include "support/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace vg::test {
namespace {

int connect_loopback(unsigned short port, int* error) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (error) *error = errno;
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

RawConnection::RawConnection(unsigned short port) { fd_ = connect_loopback(port, nullptr); }

RawConnection::~RawConnection() { close(); }

void RawConnection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool RawConnection::send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool RawConnection::fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || fd_ < 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) return false;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::optional<RawResponse> RawConnection::read_response(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(deadline)) return std::nullopt;
    }
    RawResponse response;
    std::istringstream head(buffer_.substr(0, head_end));
    std::string line;
    std::getline(head, line);
    if (line.size() < 12 || !line.starts_with("HTTP/1.")) return std::nullopt;
    response.status = std::atoi(line.c_str() + 9);
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::size_t v = colon + 1;
        while (v < line.size() && line[v] == ' ') ++v;
        response.headers.add(line.substr(0, colon), line.substr(v));
    }
    std::size_t pos = head_end + 4;
    if (response.status == 100) {  // interim: the real answer follows
        buffer_.erase(0, pos);
        return read_response(timeout);
    }
    if (auto length = response.headers.get("Content-Length")) {
        std::size_t n = std::stoul(std::string(*length));
        while (buffer_.size() < pos + n) {
            if (!fill(deadline)) return std::nullopt;
        }
        response.body = buffer_.substr(pos, n);
        buffer_.erase(0, pos + n);
    } else if (net::iequals(response.headers.get_or("Transfer-Encoding", ""), "chunked")) {
        while (true) {
            std::size_t eol;
            while ((eol = buffer_.find("\r\n", pos)) == std::string::npos) {
                if (!fill(deadline)) return std::nullopt;
            }
            std::size_t size = std::stoul(buffer_.substr(pos, eol - pos), nullptr, 16);
            while (buffer_.size() < eol + 2 + size + 2) {
                if (!fill(deadline)) return std::nullopt;
            }
            response.body += buffer_.substr(eol + 2, size);
            pos = eol + 2 + size + 2;
            if (size == 0) break;
        }
        buffer_.erase(0, pos);
    } else {
        while (fill(deadline)) {
        }
        response.body = buffer_.substr(pos);
        buffer_.clear();
    }
    return response;
}

bool RawConnection::read_until(const std::string& marker, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(marker) == std::string::npos) {
        if (!fill(deadline)) return false;
    }
    return true;
}

bool RawConnection::closed_by_peer(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) return false;
        char chunk[4096];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return true;
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    return false;
}

std::optional<RawResponse> http_request(unsigned short port, const std::string& method, const std::string& target,
                                        const std::string& body, const std::string& extra_headers) {
    RawConnection connection(port);
    if (!connection.connected()) return std::nullopt;
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers;
    if (!body.empty() || method == "POST" || method == "PUT") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    if (!connection.send(request)) return std::nullopt;
    return connection.read_response();
}

bool connection_refused(unsigned short port) {
    int error = 0;
    int fd = connect_loopback(port, &error);
    if (fd >= 0) {
        ::close(fd);
        return false;
    }
    return error == ECONNREFUSED;
}

std::optional<double> metric_value(const std::string& exposition, const std::string& series_prefix) {
    std::istringstream in(exposition);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(series_prefix)) {
            auto space = line.rfind(' ');
            return std::stod(line.substr(space + 1));
        }
    }
    return std::nullopt;
}

}  // namespace vg::test
