#include "app/standalone_config.hpp"

namespace vg::app {

StandaloneConfig parse_standalone_config(ConfigNode node) {
    StandaloneConfig config;
    node.read("host", config.host);
    if (config.host.empty()) node.fail("host", "must not be empty");
    int port = config.port;
    node.read("port", port);
    if (port < 0 || port > 65535) node.fail("port", "must be in 0..65535");
    int ops_port = config.ops_port;
    node.read("ops_port", ops_port);
    if (ops_port < 0 || ops_port > 65535) node.fail("ops_port", "must be in 0..65535");
    if (port != 0 && port == ops_port) node.fail("ops_port", "must differ from port");
    config.port = static_cast<unsigned short>(port);
    config.ops_port = static_cast<unsigned short>(ops_port);
    node.finish();
    return config;
}

}  // namespace vg::app
