#include "core/config_node.hpp"

#include <cctype>
#include <charconv>
#include <limits>
#include <optional>

namespace vg {
namespace {

std::string join(const std::set<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out.empty() ? "(none)" : out;
}

bool is_scalar(const YAML::Node& node) { return node.IsScalar(); }

// Splits "250ms" into 250 and "ms"; nullopt when the number part is not a non-negative integer.
std::optional<std::pair<unsigned long long, std::string>> number_and_unit(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) return std::nullopt;
    unsigned long long n = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + i, n);
    if (ec != std::errc{}) return std::nullopt;
    std::string unit;
    for (; i < text.size(); ++i) {
        if (!std::isspace(static_cast<unsigned char>(text[i]))) unit += text[i];
    }
    return std::make_pair(n, unit);
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
    auto parsed = number_and_unit(text);
    if (!parsed) throw ConfigError("not a duration: '" + std::string(text) + "' (use e.g. 250ms, 2s, 5m, 1h)");
    auto [n, unit] = *parsed;
    unsigned long long factor = 0;
    if (unit.empty() || unit == "ms") factor = 1;
    else if (unit == "s") factor = 1000;
    else if (unit == "m") factor = 60'000;
    else if (unit == "h") factor = 3'600'000;
    else throw ConfigError("unknown duration unit '" + unit + "' in '" + std::string(text) + "' (ms, s, m, h)");
    if (n > std::numeric_limits<long long>::max() / factor) throw ConfigError("duration too large: " + std::string(text));
    return std::chrono::milliseconds(static_cast<long long>(n * factor));
}

ByteSize parse_byte_size(std::string_view text) {
    auto parsed = number_and_unit(text);
    if (!parsed) throw ConfigError("not a byte size: '" + std::string(text) + "' (use e.g. 512KiB, 16MiB, 1GiB)");
    auto [n, unit] = *parsed;
    static const std::pair<const char*, unsigned long long> kUnits[] = {
        {"", 1}, {"B", 1}, {"KB", 1000}, {"MB", 1000'000}, {"GB", 1000'000'000},
        {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}};
    for (auto [name, factor] : kUnits) {
        if (unit == name) {
            if (n > std::numeric_limits<std::size_t>::max() / factor) throw ConfigError("byte size too large: " + std::string(text));
            return ByteSize{static_cast<std::size_t>(n * factor)};
        }
    }
    throw ConfigError("unknown size unit '" + unit + "' in '" + std::string(text) + "' (B, KB, MB, GB, KiB, MiB, GiB)");
}

ConfigNode::ConfigNode(YAML::Node source, YAML::Node effective, std::string path)
    : source_(std::move(source)), effective_(std::move(effective)), path_(std::move(path)) {
    if (source_ && !source_.IsNull() && !source_.IsMap()) {
        throw ConfigError((path_.empty() ? std::string("config") : path_) + ": must be a mapping of keys to values");
    }
}

std::string ConfigNode::key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void ConfigNode::fail(std::string_view key, std::string_view problem) const {
    throw ConfigError(key_path(key) + ": " + std::string(problem));
}

bool ConfigNode::has(std::string_view key) const {
    return source_ && source_.IsMap() && source_[std::string(key)].IsDefined() && !source_[std::string(key)].IsNull();
}

YAML::Node ConfigNode::lookup(std::string_view key) {
    known_->insert(std::string(key));
    if (!has(key)) return YAML::Node(YAML::NodeType::Undefined);
    return source_[std::string(key)];
}

namespace {
template <class T>
T scalar_as(const ConfigNode& self, std::string_view key, const YAML::Node& node, std::string_view expected) {
    if (!is_scalar(node)) self.fail(key, "expected " + std::string(expected));
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        self.fail(key, "expected " + std::string(expected) + ", got '" + node.Scalar() + "'");
    }
}
}  // namespace

void ConfigNode::read(std::string_view key, bool& value) {
    if (auto node = lookup(key)) value = scalar_as<bool>(*this, key, node, "true or false");
    effective_[std::string(key)] = value;
}

void ConfigNode::read(std::string_view key, int& value) {
    if (auto node = lookup(key)) value = scalar_as<int>(*this, key, node, "an integer");
    effective_[std::string(key)] = value;
}

void ConfigNode::read(std::string_view key, std::size_t& value) {
    if (auto node = lookup(key)) {
        long long v = scalar_as<long long>(*this, key, node, "a non-negative integer");
        if (v < 0) fail(key, "expected a non-negative integer, got " + std::to_string(v));
        value = static_cast<std::size_t>(v);
    }
    effective_[std::string(key)] = value;
}

void ConfigNode::read(std::string_view key, double& value) {
    if (auto node = lookup(key)) value = scalar_as<double>(*this, key, node, "a number");
    effective_[std::string(key)] = value;
}

void ConfigNode::read(std::string_view key, std::string& value) {
    if (auto node = lookup(key)) value = scalar_as<std::string>(*this, key, node, "a string");
    effective_[std::string(key)] = value;
}

void ConfigNode::read(std::string_view key, std::chrono::milliseconds& value) {
    if (auto node = lookup(key)) {
        try {
            value = parse_duration(scalar_as<std::string>(*this, key, node, "a duration"));
        } catch (const ConfigError& e) {
            fail(key, e.what());
        }
    }
    effective_[std::string(key)] = std::to_string(value.count()) + "ms";
}

void ConfigNode::read(std::string_view key, ByteSize& value) {
    if (auto node = lookup(key)) {
        try {
            value = parse_byte_size(scalar_as<std::string>(*this, key, node, "a byte size"));
        } catch (const ConfigError& e) {
            fail(key, e.what());
        }
    }
    effective_[std::string(key)] = value.bytes;
}

void ConfigNode::read(std::string_view key, std::vector<std::string>& value) {
    if (auto node = lookup(key)) {
        if (!node.IsSequence()) fail(key, "expected a list");
        value.clear();
        for (const auto& item : node) {
            if (!item.IsScalar()) fail(key, "expected a list of strings");
            value.push_back(item.Scalar());
        }
    }
    auto out = YAML::Node(YAML::NodeType::Sequence);
    for (const auto& item : value) out.push_back(item);
    effective_[std::string(key)] = out;
}

void ConfigNode::read(std::string_view key, std::map<std::string, std::string>& value) {
    if (auto node = lookup(key)) {
        if (!node.IsMap()) fail(key, "expected a mapping");
        value.clear();
        for (const auto& item : node) {
            if (!item.second.IsScalar()) fail(std::string(key) + "." + item.first.Scalar(), "expected a string");
            value[item.first.Scalar()] = item.second.Scalar();
        }
    }
    auto out = YAML::Node(YAML::NodeType::Map);
    for (const auto& [k, v] : value) out[k] = v;
    effective_[std::string(key)] = out;
}

void ConfigNode::read_enum(std::string_view key, std::string& value, const std::vector<std::string>& allowed) {
    read(key, value);
    for (const auto& name : allowed) {
        if (name == value) return;
    }
    std::string names;
    for (const auto& name : allowed) names += (names.empty() ? "" : ", ") + name;
    fail(key, "'" + value + "' is not one of: " + names);
}

ConfigNode ConfigNode::child(std::string_view key) {
    YAML::Node node = lookup(key);
    if (node && !node.IsMap()) fail(key, "must be a mapping of keys to values");
    if (!effective_[std::string(key)].IsMap()) effective_[std::string(key)] = YAML::Node(YAML::NodeType::Map);
    return ConfigNode(node ? node : YAML::Node(YAML::NodeType::Map), effective_[std::string(key)], key_path(key));
}

std::vector<ConfigNode> ConfigNode::items(std::string_view key) {
    YAML::Node node = lookup(key);
    std::vector<ConfigNode> out;
    if (!node) return out;
    if (!node.IsSequence()) fail(key, "must be a list");
    YAML::Node list(YAML::NodeType::Sequence);
    for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
        if (!node[i].IsMap()) fail(where, "must be a mapping of keys to values");
        list.push_back(YAML::Node(YAML::NodeType::Map));
        out.emplace_back(node[i], list[i], key_path(where));
    }
    effective_[std::string(key)] = list;
    return out;
}

YAML::Node ConfigNode::raw(std::string_view key) {
    YAML::Node node = lookup(key);
    if (node) effective_[std::string(key)] = YAML::Clone(node);
    return node;
}

std::vector<std::string> ConfigNode::keys() const {
    std::vector<std::string> out;
    if (source_ && source_.IsMap()) {
        for (const auto& item : source_) out.push_back(item.first.Scalar());
    }
    return out;
}

void ConfigNode::finish() const {
    if (!source_ || !source_.IsMap()) return;
    for (const auto& item : source_) {
        const std::string key = item.first.Scalar();
        if (!known_->contains(key)) {
            throw ConfigError(key_path(key) + ": unknown key; allowed: " + join(*known_));
        }
    }
}

}  // namespace vg
