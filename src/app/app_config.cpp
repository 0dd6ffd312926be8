#include "app/app_config.hpp"

namespace vg::app {

AppConfig parse_app_config(const YAML::Node& source) {
    AppConfig config;
    config.effective = YAML::Node(YAML::NodeType::Map);
    auto root = ConfigNode::root(source, config.effective);
    config.log = parse_log_config(root.child("log"));
    config.diag = services::parse_diag_config(root.child("diag"));
    config.model = services::parse_model_config(root.child("model"));
    config.gateway = services::gateway::parse_gateway_config(root.child("gateway"));
    config.business = services::business::parse_business_service_config(root.child("business"));
    config.monitor = services::monitor::parse_monitor_config(root.child("monitor"));
    config.standalone = parse_standalone_config(root.child("standalone"));
    root.finish();
    return config;
}

AppConfig load_app_config(const ConfigSources& sources) { return parse_app_config(load_config(sources)); }

}  // namespace vg::app
