#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config_node.hpp"

namespace vg {

// Where configuration comes from, lowest precedence first:
// the YAML file (with ${VAR:default} placeholders), VISIONGRID_A__B environment variables, --set a.b=value.
struct ConfigSources {
    std::optional<std::string> file;
    std::string yaml_text;  // used instead of `file` when non-empty (tests, embedded defaults)
    std::map<std::string, std::string> environment;
    std::vector<std::string> set_overrides;  // "a.b.c=value"
};

// Reads the process environment into a map (for ConfigSources::environment).
std::map<std::string, std::string> current_environment();

// Merges every source into one YAML tree. Throws ConfigError naming the source and the key.
YAML::Node load_config(const ConfigSources& sources);

// Replaces ${VAR} and ${VAR:default} in `text`; `$${` stays a literal `${`. Throws ConfigError when
// a variable without a default is unset.
std::string expand_placeholders(const std::string& text, const std::map<std::string, std::string>& environment);

// A copy of `config` with every secret-looking value (password, secret, token, api key) masked.
YAML::Node mask_secrets(const YAML::Node& config);

// YAML text of a tree, as `visiongrid config print` shows it.
std::string to_yaml(const YAML::Node& config);

}  // namespace vg
