#include "cli/ask_command.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/business_tasks.hpp"
#include "cli/command_args.hpp"
#include "cli/exit_codes.hpp"
#include "cli/image_input.hpp"
#include "cli/server_client.hpp"
#include "engine/remote/chat_stream_reader.hpp"

namespace vg::cli {

namespace {

using nlohmann::json;

constexpr const char* kAskUsage = R"(Usage: visiongrid ask IMAGE|URL "QUESTION" [options]
       visiongrid ask IMAGE|URL ["QUESTION"] --task TASK [options]

Asks the model about one image. Without --task the question goes to /v1/chat/completions and the answer
is printed as it is generated. With --task the image goes to the business endpoint, which returns a typed,
validated result; a readable summary is printed (the full JSON with --json).

  IMAGE|URL            a file (JPEG, PNG, WebP, GIF, BMP, TIFF; DICOM for --task medical) or an http(s) URL,
                       downloaded here and sent inline (--send-url passes a URL on instead)
  --task TASK          product-analysis, product-review, homework or medical
  --json               print JSON: the task's result, or {"answer", "finish_reason", "usage"} (no streaming)
  --server URL         VisionGrid's address (default $VISIONGRID_SERVER, else http://127.0.0.1:8080)
  --api-key KEY        sent as "Authorization: Bearer KEY" (default $VISIONGRID_API_KEY)
  --max-tokens N       longest answer, in tokens (free questions)
  --timeout SECONDS    give up on an answer after this long (default 120)
  --send-url           pass a URL image on to the server as is (for upstreams that fetch URLs themselves)

Exit codes: 0 answered, 2 usage, 3 the image cannot be read, 4 the server cannot be reached,
            5 the server refused the request (4xx; its message is printed), 6 server error (5xx), timeout
            or a broken stream, 7 the model's output did not fit the task's schema (422
            model_output_invalid), 1 anything else.
)";

const ArgSpec& ask_spec() {
    static const ArgSpec spec = [] {
        ArgSpec s{{"--task", "--max-tokens"}, {"--json", "--send-url"}};
        for (const auto& name : kServerOptionNames) s.with_value.insert(name);
        return s;
    }();
    return spec;
}

int fail(const ServerProblem& problem) {
    std::cerr << "visiongrid ask: " << problem.message << "\n";
    return problem.exit_code;
}

int ask_model(const CommandArgs& args, const ServerOptions& server, HttpSession& session, const std::string& image,
              const std::string& question) {
    const bool as_json = args.flag("--json");
    std::string image_url;
    if (is_url(image) && args.flag("--send-url")) {
        image_url = image;
    } else {
        image_url = data_uri(load_image(image, session));
    }
    json body = {{"messages",
                  json::array({{{"role", "user"},
                                {"content", json::array({{{"type", "image_url"}, {"image_url", {{"url", image_url}}}},
                                                         {{"type", "text"}, {"text", question}}})}}})},
                 {"stream", !as_json}};
    if (args.value("--max-tokens")) body["max_tokens"] = args.integer("--max-tokens", 0, 1, 1 << 20);

    HttpRequest request;
    request.method = "POST";
    request.url = server.url + "/v1/chat/completions";
    request.headers = json_headers(server);
    request.headers.push_back(as_json ? "Accept: application/json" : "Accept: text/event-stream");
    request.body = body.dump();
    request.timeout = server.timeout;

    // The same reader the remote engine uses: SSE chunks or one completion, whole UTF-8 characters out.
    engine::ChatStreamReader reader;
    std::optional<engine::InferenceError> stream_error;
    auto take = [&](const engine::ChatStreamReader::Progress& progress) {
        if (!as_json && !progress.text.empty()) {
            std::fwrite(progress.text.data(), 1, progress.text.size(), stdout);
            std::fflush(stdout);
        }
        if (progress.error && !stream_error) stream_error = progress.error;
    };
    long status = 0;
    std::string error_body;
    auto on_start = [&](const HttpResponse& head) {
        status = head.status;
        return true;
    };
    auto sink = [&](std::string_view bytes) {
        if (status != 200) {
            if (error_body.size() < (1u << 20)) error_body.append(bytes);
        } else {
            take(reader.push(bytes));
        }
        return true;
    };
    HttpResponse response = session.perform(request, on_start, sink);
    if (response.ok() && status == 200) take(reader.finish());
    // A streamed answer leaves the cursor after its last character: what follows starts on a new line.
    if (!as_json && !reader.text().empty() && !reader.text().ends_with("\n")) std::fputc('\n', stdout);
    std::fflush(stdout);
    if (!response.ok()) return fail(describe_problem(response, server));
    if (status != 200) {
        response.body = error_body;
        if (as_json && !error_body.empty()) std::cout << error_body << "\n";
        return fail(describe_problem(response, server));
    }
    if (stream_error) {
        std::cerr << "visiongrid ask: the answer stopped with an error: " << stream_error->code << ": "
                  << stream_error->message << "\n";
        return kExitServerError;
    }
    if (as_json) {
        json usage = json::object();
        if (auto tokens = reader.prompt_tokens()) usage["prompt_tokens"] = *tokens;
        if (auto tokens = reader.completion_tokens()) usage["completion_tokens"] = *tokens;
        std::cout << json{{"answer", reader.text()}, {"finish_reason", reader.finish_reason()}, {"usage", usage}}.dump(
                         2)
                  << "\n";
    } else if (reader.finish_reason() == "length") {
        std::cerr << "(the answer stopped at the token limit; raise --max-tokens for more)\n";
    }
    return kExitOk;
}

int ask_task(const CommandArgs& args, const ServerOptions& server, HttpSession& session, const BusinessTask& task,
             const std::string& image, const std::string& question) {
    const ImageInput input = load_image(image, session);
    HttpRequest request;
    request.method = "POST";
    request.url = server.url + std::string(task.path);
    request.headers = json_headers(server);
    request.body = business_request(input.bytes, question, "").dump();
    request.timeout = server.timeout;
    const HttpResponse response = session.perform(request);
    if (!response.ok()) return fail(describe_problem(response, server));
    if (response.status != 200) {
        if (args.flag("--json") && !response.body.empty()) std::cout << response.body << "\n";
        return fail(describe_problem(response, server));
    }
    auto result = json::parse(response.body, nullptr, false);
    if (result.is_discarded()) {
        std::cerr << "visiongrid ask: the server's answer is not JSON\n";
        return kExitServerError;
    }
    std::cout << (args.flag("--json") ? result.dump(2) + "\n" : summarize_result(result));
    return kExitOk;
}

}  // namespace

int run_ask_command(const std::vector<std::string>& arguments) {
    const CommandArgs args = CommandArgs::parse(arguments, ask_spec());
    if (args.help()) {
        std::cout << kAskUsage;
        return kExitOk;
    }
    const auto& words = args.positional();
    const BusinessTask* task = nullptr;
    if (auto name = args.value("--task")) {
        task = find_business_task(*name);
        if (task == nullptr) throw UsageError("unknown task '" + *name + "' (" + business_task_names() + ")");
    }
    if (words.empty() || words.size() > 2 || (task == nullptr && words.size() != 2)) {
        throw UsageError(task == nullptr ? "ask needs an image and a question"
                                         : "ask needs an image (and optionally a question)");
    }
    const ServerOptions server = server_options(args);
    const std::string question = words.size() == 2 ? words[1] : "";
    init_http();
    HttpSession session;
    try {
        return task != nullptr ? ask_task(args, server, session, *task, words[0], question)
                               : ask_model(args, server, session, words[0], question);
    } catch (const InputError& e) {
        std::cerr << "visiongrid ask: " << e.what() << "\n";
        return kExitInputUnreadable;
    }
}

}  // namespace vg::cli
