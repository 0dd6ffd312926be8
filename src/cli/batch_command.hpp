#pragma once

#include <string>
#include <vector>

namespace vg::cli {

// `visiongrid batch DIR|LIST --task T --out FILE [--concurrency N] ...`; `args` follow the word "batch".
// Returns the exit code (see ExitCode and the command's --help).
int run_batch_command(const std::vector<std::string>& args);

}  // namespace vg::cli
