#include "cli/server_client.hpp"

#include <nlohmann/json.hpp>

#include "cli/exit_codes.hpp"

namespace vg::cli {

namespace {

int exit_code_for(long status, const std::string& code) {
    if (status == 422 && code == "model_output_invalid") return kExitModelOutputInvalid;
    if (status >= 400 && status < 500) return kExitClientError;
    return kExitServerError;
}

std::string one_line(std::string text, std::size_t max = 300) {
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    if (text.size() > max) text = text.substr(0, max) + "...";
    return text;
}

}  // namespace

ServerOptions server_options(const CommandArgs& args) {
    ServerOptions server;
    if (auto url = args.value("--server")) {
        server.url = *url;
    } else if (auto env = environment("VISIONGRID_SERVER")) {
        server.url = *env;
    }
    if (!server.url.starts_with("http://") && !server.url.starts_with("https://")) {
        throw UsageError("the server must be an http:// or https:// URL, not '" + server.url + "'");
    }
    while (server.url.ends_with("/")) server.url.pop_back();
    server.api_key = args.value("--api-key");
    if (!server.api_key) server.api_key = environment("VISIONGRID_API_KEY");
    server.timeout = std::chrono::seconds(args.integer("--timeout", 120, 1, 86400));
    return server;
}

std::vector<std::string> json_headers(const ServerOptions& server) {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (server.api_key) headers.push_back("Authorization: Bearer " + *server.api_key);
    return headers;
}

ServerProblem problem_from_error_json(long status, const std::string& body) {
    ServerProblem problem{exit_code_for(status, ""), "http_" + std::to_string(status), "", status};
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error")) {
        const auto& error = parsed["error"];
        if (error.is_object()) {
            if (error.contains("code") && error["code"].is_string()) problem.code = error["code"].get<std::string>();
            if (error.contains("message") && error["message"].is_string())
                problem.message = one_line(error["message"].get<std::string>());
        } else if (error.is_string()) {
            problem.message = one_line(error.get<std::string>());
        }
    }
    if (problem.message.empty()) problem.message = body.empty() ? "(no body)" : one_line(body);
    problem.exit_code = exit_code_for(status, problem.code);
    return problem;
}

ServerProblem describe_problem(const HttpResponse& response, const ServerOptions& server) {
    switch (response.failure) {
        case TransferFailure::kNone: break;
        case TransferFailure::kUnreachable:
            return {kExitUnreachable, "unreachable",
                    describe_failure(response) + " - is VisionGrid running at " + server.url + "?", 0};
        case TransferFailure::kTimeout:
            return {
                kExitServerError, "timeout",
                "no complete answer from " + server.url + " within " + std::to_string(server.timeout.count()) + " s",
                0};
        case TransferFailure::kInterrupted:
            return {kExitServerError, "connection_broken", describe_failure(response), 0};
        case TransferFailure::kAborted:
        case TransferFailure::kOther: return {kExitFailure, "transfer_failed", describe_failure(response), 0};
    }
    ServerProblem problem = problem_from_error_json(response.status, response.body);
    problem.message =
        "server answered " + std::to_string(response.status) + " " + problem.code + ": " + problem.message;
    return problem;
}

}  // namespace vg::cli
