// The configuration loader as `visiongrid <role> -c FILE` runs it: YAML, ${VAR:default}
// placeholders, environment and --set overrides (core/config.hpp), then every section's strict
// parser (app/app_config.hpp) and `config print` (masking, YAML output).
// Input: YAML text; a first line "#set a.b=value" (a YAML comment) also applies that override.
// Bad configuration may only throw ConfigError: main() reports that one and exits 2, and anything
// else would escape it as a crash.
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "app/app_config.hpp"
#include "core/config.hpp"
#include "fuzz_input.hpp"

namespace {

// The gateway reads key files named in the config. Never let an input name a device or a kernel
// file: /dev/zero would read forever, and that is the operator's file, not a parser's fault.
bool names_special_file(const YAML::Node& node) {
    if (node.IsScalar()) {
        const std::string& text = node.Scalar();
        return text.find("/dev") != std::string::npos || text.find("/proc") != std::string::npos ||
               text.find("/sys") != std::string::npos;
    }
    for (const auto& child : node) {
        if (node.IsMap() ? names_special_file(child.first) || names_special_file(child.second) : names_special_file(child)) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto [first, rest] = vg::fuzz::split_first_line(data, size);
    vg::ConfigSources sources;
    sources.yaml_text = std::string(reinterpret_cast<const char*>(data), size);
    sources.environment = {{"HOME", "/home/visiongrid"}, {"MODEL_PORT", "8081"}, {"VISIONGRID_DIAG__SERVER__PORT", "9000"}};
    if (first.starts_with("#set ")) sources.set_overrides.emplace_back(first.substr(5));
    try {
        (void)vg::expand_placeholders(std::string(rest), sources.environment);
        YAML::Node root = vg::load_config(sources);
        if (names_special_file(root)) return 0;
        vg::app::AppConfig config = vg::app::parse_app_config(root);
        (void)vg::to_yaml(vg::mask_secrets(config.effective));
    } catch (const vg::ConfigError&) {
    }
    return 0;
}
