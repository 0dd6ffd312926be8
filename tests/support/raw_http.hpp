#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "net/headers.hpp"

namespace vg::test {

struct RawResponse {
    int status = 0;
    net::Headers headers;
    std::string body;
};

// A blocking TCP connection to 127.0.0.1 that sends exactly the bytes a test gives it: the way to
// speak malformed, slow or pipelined HTTP to a real server.
class RawConnection {
public:
    explicit RawConnection(unsigned short port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return fd_ >= 0; }
    // False when the peer has closed or reset the connection.
    bool send(const std::string& bytes);
    // Reads one response (Content-Length, chunked, or until close); nullopt on timeout or when the
    // connection closed before a complete response.
    std::optional<RawResponse> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Reads until `marker` has arrived (true) or the timeout/close (false); the bytes stay buffered.
    bool read_until(const std::string& marker, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // True when the server closed the connection (EOF or reset) within `timeout`.
    bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void close();

private:
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    std::string buffer_;
};

// One request on a fresh connection: "GET /path" style helper.
std::optional<RawResponse> http_request(unsigned short port, const std::string& method, const std::string& target,
                                        const std::string& body = {}, const std::string& extra_headers = {});

// Whether a TCP connect to 127.0.0.1:port is refused right now.
bool connection_refused(unsigned short port);

// The value of a sample in Prometheus text, e.g. metric_value(text, "x_total{reason=\"a\"") — the
// prefix must match the start of the line up to the value. Nullopt when absent.
std::optional<double> metric_value(const std::string& exposition, const std::string& series_prefix);

}  // namespace vg::test
