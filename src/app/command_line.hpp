#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vg::app {

// `visiongrid <command> [subcommand] [--config FILE] [--set key=value]... [--help]`
struct CommandLine {
    std::vector<std::string> words;  // command and subcommand, e.g. {"config", "print"}
    std::optional<std::string> config_file;
    std::vector<std::string> set_overrides;
    bool help = false;
    bool version = false;
};

// Throws std::invalid_argument with a message fit for the user.
CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace vg::app
