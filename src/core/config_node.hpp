#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace vg {

// Bad configuration: always names the full path of the offending key.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A byte count that config may spell as 1048576, "512KiB", "16MiB", "2GiB", "10MB".
struct ByteSize {
    std::size_t bytes = 0;
    friend bool operator==(ByteSize, ByteSize) = default;
};

// Typed, strict reading of one config section. Every key a parser asks for is remembered, so the
// keys left over are unknown and `finish()` rejects them with the allowed names. The value each
// field ends up with (given or default) is written to the shared effective tree that
// `visiongrid config print` shows. Not thread-safe; used once at start-up.
class ConfigNode {
public:
    // `effective` receives the resolved values; pass the root of a fresh tree.
    ConfigNode(YAML::Node source, YAML::Node effective, std::string path);
    static ConfigNode root(const YAML::Node& source, YAML::Node effective) { return {source, effective, ""}; }

    // Leaves `value` (the default) untouched when the key is absent; throws ConfigError on a bad type.
    void read(std::string_view key, bool& value);
    void read(std::string_view key, int& value);
    void read(std::string_view key, std::size_t& value);
    void read(std::string_view key, double& value);
    void read(std::string_view key, std::string& value);
    void read(std::string_view key, std::chrono::milliseconds& value);  // 250, "250ms", "2s", "5m", "1h"
    void read(std::string_view key, ByteSize& value);
    void read(std::string_view key, std::vector<std::string>& value);
    void read(std::string_view key, std::map<std::string, std::string>& value);

    // Like read(), then checks `allowed` and names them on failure.
    void read_enum(std::string_view key, std::string& value, const std::vector<std::string>& allowed);

    // A nested section (empty when absent); parse it with its own parser.
    ConfigNode child(std::string_view key);
    // A list of sections (routes, keys), each parsed with its own parser; empty when absent.
    std::vector<ConfigNode> items(std::string_view key);
    // The value of `key` as written (marked known), for values with a shape of their own; copied to
    // the effective tree as is.
    YAML::Node raw(std::string_view key);
    // Keys of a map-valued section whose children are free-form names (e.g. routes, upstreams).
    std::vector<std::string> keys() const;
    bool has(std::string_view key) const;

    // Throws ConfigError for every key present in the source that no parser asked for.
    void finish() const;

    const std::string& path() const { return path_; }
    std::string key_path(std::string_view key) const;
    [[noreturn]] void fail(std::string_view key, std::string_view problem) const;

private:
    YAML::Node lookup(std::string_view key);

    YAML::Node source_;
    YAML::Node effective_;
    std::string path_;
    std::shared_ptr<std::set<std::string>> known_ = std::make_shared<std::set<std::string>>();
};

std::chrono::milliseconds parse_duration(std::string_view text);
ByteSize parse_byte_size(std::string_view text);

}  // namespace vg
