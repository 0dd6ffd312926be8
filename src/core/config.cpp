#include "core/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

extern char** environ;  // POSIX

namespace vg {
namespace {

constexpr std::string_view kEnvPrefix = "VISIONGRID_";

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        std::size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at - start));
        if (at == std::string::npos) break;
        start = at + separator.size();
    }
    return parts;
}

// A command-line or environment value is YAML, so numbers, booleans and lists keep their type;
// anything that does not parse as YAML stays a plain string.
YAML::Node parse_value(const std::string& text) {
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception&) {
        return YAML::Node(text);
    }
}

void set_path(YAML::Node root, const std::vector<std::string>& path, const YAML::Node& value, const std::string& origin) {
    // yaml-cpp nodes are handles: walking with copies edits the shared tree.
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        if (path[i].empty()) throw ConfigError(origin + ": empty key in path");
        YAML::Node next = chain.back()[path[i]];
        if (next.IsDefined() && !next.IsNull() && !next.IsMap()) {
            throw ConfigError(origin + ": '" + path[i] + "' is not a section");
        }
        if (!next.IsDefined() || next.IsNull()) chain.back()[path[i]] = YAML::Node(YAML::NodeType::Map);
        chain.push_back(chain.back()[path[i]]);
    }
    if (path.back().empty()) throw ConfigError(origin + ": empty key in path");
    chain.back()[path.back()] = value;
}

// Far deeper than any real config; a YAML alias inside its own anchor ("a: &x {b: *x}") is endless.
constexpr int kMaxConfigDepth = 64;

void expand_tree(YAML::Node node, const std::map<std::string, std::string>& environment, const std::string& path, int depth = 0) {
    if (depth > kMaxConfigDepth) {
        throw ConfigError(path + ": nested deeper than " + std::to_string(kMaxConfigDepth) + " levels (an alias inside its own anchor?)");
    }
    if (node.IsScalar()) {
        const std::string& text = node.Scalar();
        if (text.find('$') == std::string::npos) return;
        try {
            // The substituted value is text, never YAML: a password like "a #b" must survive intact.
            // Typed reads still convert "8080" to a number.
            node = expand_placeholders(text, environment);
        } catch (const ConfigError& e) {
            throw ConfigError(path + ": " + e.what());
        }
    } else if (node.IsMap()) {
        for (auto item : node) {
            expand_tree(item.second, environment, path.empty() ? item.first.Scalar() : path + "." + item.first.Scalar(), depth + 1);
        }
    } else if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i) expand_tree(node[i], environment, path + "[" + std::to_string(i) + "]", depth + 1);
    }
}

// Whole words of a snake_case key, so `max_tokens` is not mistaken for a token.
bool is_secret_key(const std::string& key) {
    const std::string k = lower(key);
    for (const char* phrase : {"api_key", "apikey", "private_key", "password", "passwd", "secret", "credential"}) {
        if (k.find(phrase) != std::string::npos) return true;
    }
    if (k == "tokens" || k == "keys") return true;  // lists of credentials
    for (const auto& word : split(k, "_")) {
        if (word == "token" || word == "auth" || word == "dsn") return true;
    }
    return false;
}

// A URL's password is a secret whatever key holds it ("store.url: postgresql://vg:pw@db/vg"): the one
// in user info and any password= parameter are masked, the rest of the URL stays readable.
std::string mask_url_password(std::string text) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string::npos) return text;
    const auto authority_start = scheme_end + 3;
    const auto authority_end = std::min(text.find_first_of("/?#", authority_start), text.size());
    const auto at = text.rfind('@', authority_end - 1);  // the password may hold '@': the last one ends it
    const auto colon = text.find(':', authority_start);
    if (at != std::string::npos && at >= authority_start && colon < at) {
        text.replace(colon + 1, at - colon - 1, "********");
    }
    const auto query = text.find('?');
    for (auto key = text.find("password=", query); query != std::string::npos && key != std::string::npos;
         key = text.find("password=", key + 1)) {
        if (text[key - 1] != '?' && text[key - 1] != '&') continue;
        const auto value = key + 9;
        text.replace(value, std::min(text.find('&', value), text.size()) - value, "********");
    }
    return text;
}

YAML::Node masked(const YAML::Node& node, bool secret) {
    if (node.IsScalar()) {
        if (secret && !node.Scalar().empty()) return YAML::Node("********");
        const std::string shown = mask_url_password(node.Scalar());
        return shown == node.Scalar() ? YAML::Clone(node) : YAML::Node(shown);
    }
    if (node.IsSequence()) {
        YAML::Node out(YAML::NodeType::Sequence);
        for (const auto& item : node) out.push_back(masked(item, secret));
        return out;
    }
    if (node.IsMap()) {
        YAML::Node out(YAML::NodeType::Map);
        for (const auto& item : node) out[item.first.Scalar()] = masked(item.second, secret || is_secret_key(item.first.Scalar()));
        return out;
    }
    return YAML::Clone(node);
}

}  // namespace

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> out;
    for (char** entry = environ; entry && *entry; ++entry) {
        std::string_view text(*entry);
        auto eq = text.find('=');
        if (eq != std::string_view::npos) out.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
    return out;
}

std::string expand_placeholders(const std::string& text, const std::map<std::string, std::string>& environment) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, 3, "$${") == 0) {
            out += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out += text[i++];
            continue;
        }
        std::size_t close = text.find('}', i + 2);
        if (close == std::string::npos) throw ConfigError("unterminated placeholder in '" + text + "'");
        std::string inner = text.substr(i + 2, close - i - 2);
        std::size_t colon = inner.find(':');
        std::string name = inner.substr(0, colon);
        if (name.empty()) throw ConfigError("empty variable name in '" + text + "'");
        if (auto it = environment.find(name); it != environment.end()) {
            out += it->second;
        } else if (colon != std::string::npos) {
            out += inner.substr(colon + 1);
        } else {
            throw ConfigError("environment variable " + name + " is not set and has no default (write ${" + name + ":default})");
        }
        i = close + 1;
    }
    return out;
}

YAML::Node load_config(const ConfigSources& sources) {
    YAML::Node root;
    try {
        if (!sources.yaml_text.empty()) {
            root = YAML::Load(sources.yaml_text);
        } else if (sources.file) {
            std::ifstream in(*sources.file);
            if (!in) throw ConfigError("cannot read config file " + *sources.file);
            std::stringstream buffer;
            buffer << in.rdbuf();
            root = YAML::Load(buffer.str());
        }
    } catch (const YAML::Exception& e) {
        throw ConfigError("config " + sources.file.value_or("text") + ": invalid YAML: " + e.what());
    }
    if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) throw ConfigError("config " + sources.file.value_or("text") + ": top level must be a mapping");
    expand_tree(root, sources.environment, "");

    for (const auto& [name, value] : sources.environment) {
        if (name.size() <= kEnvPrefix.size() || name.compare(0, kEnvPrefix.size(), kEnvPrefix) != 0) continue;
        std::string path = lower(name.substr(kEnvPrefix.size()));
        // Only SECTION__KEY names are overrides; VISIONGRID_CONFIG and the like are not.
        if (path.find("__") == std::string::npos) continue;
        set_path(root, split(path, "__"), parse_value(value), "environment " + name);
    }
    for (const auto& assignment : sources.set_overrides) {
        auto eq = assignment.find('=');
        if (eq == std::string::npos || eq == 0) throw ConfigError("--set " + assignment + ": expected key.path=value");
        set_path(root, split(assignment.substr(0, eq), "."), parse_value(assignment.substr(eq + 1)), "--set " + assignment);
    }
    return root;
}

YAML::Node mask_secrets(const YAML::Node& config) { return masked(config, false); }

std::string to_yaml(const YAML::Node& config) {
    YAML::Emitter out;
    out << config;
    return std::string(out.c_str()) + "\n";
}

}  // namespace vg
