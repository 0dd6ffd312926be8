#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_args.hpp"
#include "cli/http_transfer.hpp"

namespace vg::cli {

// Where `ask` and `batch` send their requests.
struct ServerOptions {
    std::string url = "http://127.0.0.1:8080";  // the gateway (or any role serving the endpoints), no trailing slash
    std::optional<std::string> api_key;
    std::chrono::seconds timeout{120};  // per request, streaming included
};

// --server, else $VISIONGRID_SERVER, else the default; --api-key, else $VISIONGRID_API_KEY; --timeout SECONDS.
ServerOptions server_options(const CommandArgs& args);
// The options `server_options` reads, for an ArgSpec.
inline const std::vector<std::string> kServerOptionNames = {"--server", "--api-key", "--timeout"};

// Content-Type plus Authorization when a key is set.
std::vector<std::string> json_headers(const ServerOptions& server);

// What went wrong with a request, for people and for the exit code.
struct ServerProblem {
    int exit_code;        // one of ExitCode
    std::string code;     // the server's error code, or ours ("unreachable", "timeout", ...)
    std::string message;  // one line
    long http_status = 0;
};

// For a failed transfer or a non-2xx answer (whose {"error": {"code", "message"}} body is read; OpenAI's shape
// too): 4 unreachable, 5 for 4xx, 6 for 5xx and timeouts, 7 for 422 model_output_invalid.
ServerProblem describe_problem(const HttpResponse& response, const ServerOptions& server);
// The same for an error found inside a body that arrived with 200 (an SSE error event).
ServerProblem problem_from_error_json(long status, const std::string& body);

}  // namespace vg::cli
