#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/config_node.hpp"

namespace vg::net {

struct TlsConfig {
    bool enabled = false;
    std::string cert_file;  // PEM certificate chain
    std::string key_file;   // PEM private key
};

// Every HTTP server's settings; each role's `server:` section. Defaults live here only.
struct ServerConfig {
    std::string host = "0.0.0.0";
    int port = 8080;  // 0 picks a free port (tests)
    std::size_t io_threads = 2;
    std::size_t max_connections = 10000;
    ByteSize max_header_bytes{16 * 1024};
    ByteSize max_body_bytes{16 * 1024 * 1024};  // routes may set their own
    std::chrono::milliseconds header_timeout{10'000};  // from the first byte of a request to its end of headers
    std::chrono::milliseconds body_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};   // keep-alive: waiting for the next request
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds drain_timeout{25'000};  // on SIGTERM: how long in-flight requests may finish
    TlsConfig tls;
};

// `defaults` carries the role's own defaults (each role has its port: gateway 8080, model 8081,
// business 8082, monitor 8083, diag 8090).
ServerConfig parse_server_config(ConfigNode node, ServerConfig defaults = {});

}  // namespace vg::net
