// The business service's request bodies: a task (services/business/task_input.hpp, the four
// /api/<task> routes) and a batch job (job_routes.hpp, POST /api/jobs), as JSON or multipart, with
// URLs and webhook URLs checked against the fetch policies (no network is touched).
// Input: a first line "task <Content-Type>" or "jobs <Content-Type>", then the body.
// A bad request may only throw a 4xx vg::Error (anything else would answer 500 internal_error), and
// the text an accepted request carries into prompts and the store is UTF-8, whatever the encoding.
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "engine/text/utf8_stream.hpp"
#include "fuzz_input.hpp"
#include "services/business/job_routes.hpp"
#include "services/business/task_input.hpp"

namespace {

vg::services::business::JobsConfig jobs_config() {
    vg::services::business::JobsConfig config;
    config.max_items = 8;
    config.fetch.allowed_hosts = {"images.example.com", "*.cdn.example.net"};
    config.webhook.allowed_hosts = {"hooks.example.com"};
    config.webhook.secret = "0123456789abcdef0123456789abcdef";
    return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const vg::services::business::JobsConfig config = jobs_config();
    auto [mode, body] = vg::fuzz::split_first_line(data, size);
    const bool jobs = mode.starts_with("jobs ");
    if (!jobs && !mode.starts_with("task ")) return 0;
    vg::net::Request request;
    request.method = "POST";
    request.headers.add("Content-Type", std::string(mode.substr(5)));
    request.body = std::string(body);
    try {
        if (jobs) {
            auto submission = vg::services::business::parse_job_submission(request, config);
            if (submission.sources.empty() || submission.sources.size() > config.max_items) std::abort();
            if (submission.sources.size() != submission.payloads.size()) std::abort();
            if (!submission.metadata.is_null() && !submission.metadata.is_object()) std::abort();
            if (!vg::engine::is_valid_utf8(submission.caller_reference)) std::abort();
        } else {
            auto input = vg::services::business::parse_task_input(request);
            if (!input.metadata.is_null() && !input.metadata.is_object()) std::abort();
            if (!vg::engine::is_valid_utf8(input.caller_reference) || !vg::engine::is_valid_utf8(input.question)) std::abort();
        }
    } catch (const vg::Error& e) {
        if (e.http_status() < 400 || e.http_status() > 499) std::abort();
    }
    return 0;
}
