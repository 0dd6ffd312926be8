#include "cli/client_commands.hpp"

#include <iostream>
#include <string>
#include <vector>

#include "cli/ask_command.hpp"
#include "cli/batch_command.hpp"
#include "cli/command_args.hpp"
#include "cli/exit_codes.hpp"
#include "cli/models_command.hpp"

namespace vg::cli {

std::optional<int> run_client_command(int argc, const char* const* argv) {
    if (argc < 2) return std::nullopt;
    const std::string command = argv[1];
    int (*run)(const std::vector<std::string>&) = nullptr;
    if (command == "models") run = run_models_command;
    if (command == "ask") run = run_ask_command;
    if (command == "batch") run = run_batch_command;
    if (run == nullptr) return std::nullopt;
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        return run(args);
    } catch (const UsageError& e) {
        std::cerr << "visiongrid " << command << ": " << e.what() << " (see visiongrid " << command << " --help)\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "visiongrid " << command << ": " << e.what() << "\n";
        return kExitFailure;
    }
}

}  // namespace vg::cli
