#pragma once

#include <optional>

namespace vg::cli {

// Runs `visiongrid models|ask|batch ...` when argv[1] names one of them and returns its exit code; nullopt
// for any other command (the roles), which main handles. Usage errors print a pointer to the command's
// --help and give 2.
std::optional<int> run_client_command(int argc, const char* const* argv);

}  // namespace vg::cli
