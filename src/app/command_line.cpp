#include "app/command_line.hpp"

#include <stdexcept>
#include <string_view>

namespace vg::app {

CommandLine parse_command_line(int argc, const char* const* argv) {
    CommandLine line;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&](std::string_view flag) -> std::string {
            if (auto eq = arg.find('='); eq != std::string_view::npos) return std::string(arg.substr(eq + 1));
            if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            line.help = true;
        } else if (arg == "--version") {
            line.version = true;
        } else if (arg == "--config" || arg.starts_with("--config=") || arg == "-c") {
            line.config_file = value("--config");
        } else if (arg == "--set" || arg.starts_with("--set=")) {
            line.set_overrides.push_back(value("--set"));
        } else if (arg == "--model" || arg.starts_with("--model=")) {
            line.set_overrides.push_back("model.llama.model_path=" + value("--model"));
        } else if (arg == "--mmproj" || arg.starts_with("--mmproj=")) {
            line.set_overrides.push_back("model.llama.mmproj_path=" + value("--mmproj"));
        } else if (arg.starts_with("-")) {
            throw std::invalid_argument("unknown option " + std::string(arg) + " (see visiongrid --help)");
        } else {
            line.words.emplace_back(arg);
        }
    }
    return line;
}

}  // namespace vg::app
