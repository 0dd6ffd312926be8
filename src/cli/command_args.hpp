#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace vg::cli {

// A mistake in how a command was called; main prints it with a pointer to --help and exits 2.
class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Which long options a command knows: those that take a value and those that do not.
struct ArgSpec {
    std::set<std::string> with_value;  // e.g. "--server"
    std::set<std::string> flags;       // e.g. "--json"
};

// A command's arguments after the command words: positionals in order, options by name. `-h`/`--help`
// is always known. A value is given as `--name value` or `--name=value`; `--` ends the options.
class CommandArgs {
public:
    // Throws UsageError naming an unknown option or a missing value.
    static CommandArgs parse(const std::vector<std::string>& args, const ArgSpec& spec);

    const std::vector<std::string>& positional() const { return positional_; }
    bool help() const { return help_; }
    bool flag(const std::string& name) const { return flags_.contains(name); }
    std::optional<std::string> value(const std::string& name) const;
    // The option's value as an integer in [min, max]; `fallback` when it was not given.
    int integer(const std::string& name, int fallback, int min, int max) const;

private:
    std::vector<std::string> positional_;
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
    bool help_ = false;
};

// The value of environment variable `name`, or nullopt when unset or empty.
std::optional<std::string> environment(const char* name);

}  // namespace vg::cli
