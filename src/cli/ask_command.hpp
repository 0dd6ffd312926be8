#pragma once

#include <string>
#include <vector>

namespace vg::cli {

// `visiongrid ask IMAGE|URL "question" [--task T] [--json] ...`; `args` follow the word "ask".
// Returns the exit code (see ExitCode and the command's --help).
int run_ask_command(const std::vector<std::string>& args);

}  // namespace vg::cli
