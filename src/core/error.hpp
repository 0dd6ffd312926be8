#pragma once

#include <stdexcept>
#include <string>

namespace vg {

// The one error type a request can fail with: a stable machine-readable code, a message for people,
// and the HTTP status it maps to. Handlers throw it; one wrapper turns it into the JSON error body.
class Error : public std::runtime_error {
public:
    Error(std::string code, std::string message, int http_status)
        : std::runtime_error(message), code_(std::move(code)), http_status_(http_status) {}

    const std::string& code() const noexcept { return code_; }
    int http_status() const noexcept { return http_status_; }

private:
    std::string code_;
    int http_status_;
};

// A problem with what the client sent (4xx); defaults to 400.
class ClientError : public Error {
public:
    ClientError(std::string code, std::string message, int http_status = 400)
        : Error(std::move(code), std::move(message), http_status) {}
};

// `{"error": {"code", "message", "request_id"}}` as a compact JSON string.
std::string error_body(const std::string& code, const std::string& message, const std::string& request_id);

}  // namespace vg
