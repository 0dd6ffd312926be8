#include "net/server_config.hpp"

namespace vg::net {

ServerConfig parse_server_config(ConfigNode node, ServerConfig defaults) {
    ServerConfig config = std::move(defaults);
    node.read("host", config.host);
    node.read("port", config.port);
    if (config.port < 0 || config.port > 65535) node.fail("port", "must be 0..65535, got " + std::to_string(config.port));
    node.read("io_threads", config.io_threads);
    if (config.io_threads == 0 || config.io_threads > 256) node.fail("io_threads", "must be 1..256");
    node.read("max_connections", config.max_connections);
    node.read("max_header_bytes", config.max_header_bytes);
    node.read("max_body_bytes", config.max_body_bytes);
    node.read("header_timeout", config.header_timeout);
    node.read("body_timeout", config.body_timeout);
    node.read("idle_timeout", config.idle_timeout);
    node.read("write_timeout", config.write_timeout);
    node.read("drain_timeout", config.drain_timeout);
    auto tls = node.child("tls");
    tls.read("enabled", config.tls.enabled);
    tls.read("cert_file", config.tls.cert_file);
    tls.read("key_file", config.tls.key_file);
    if (config.tls.enabled && (config.tls.cert_file.empty() || config.tls.key_file.empty())) {
        tls.fail("enabled", "TLS needs cert_file and key_file");
    }
    tls.finish();
    node.finish();
    return config;
}

}  // namespace vg::net
