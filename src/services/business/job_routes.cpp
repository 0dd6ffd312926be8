#include "services/business/job_routes.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/json_depth.hpp"
#include "engine/text/utf8_stream.hpp"
#include "net/multipart.hpp"
#include "services/business/result_view.hpp"
#include "services/business/task_catalog.hpp"

namespace vg::services::business {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxReference = 256;
constexpr std::size_t kMaxMetadata = 16 * 1024;
constexpr std::size_t kMaxMetadataDepth = 32;  // checked before dump(), which recurses once per level
constexpr std::size_t kMaxWebhookUrl = 2048;

void check_task(const std::string& task) {
    if (task.empty()) throw ClientError("missing_field", "a task is required");
    const auto& names = TaskCatalog::task_names();
    if (std::find(names.begin(), names.end(), task) == names.end()) {
        std::string allowed;
        for (const auto& name : names) allowed += (allowed.empty() ? "" : ", ") + name;
        throw ClientError("unknown_task", "unknown task '" + task + "' (allowed: " + allowed + ")");
    }
}

// By reference: copying a JSON value recurses once per level, so nothing is copied before the depth check.
json check_metadata(const json& value) {
    if (!value.is_object() && !value.is_null()) throw ClientError("invalid_field", "metadata must be a JSON object");
    if (json_depth(value, kMaxMetadataDepth) > kMaxMetadataDepth) {
        throw ClientError("invalid_field",
                          "metadata nests deeper than " + std::to_string(kMaxMetadataDepth) + " levels");
    }
    if (value.dump().size() > kMaxMetadata) throw ClientError("invalid_field", "metadata is larger than 16 KiB");
    return value;
}

void add_item(JobSubmission& submission, std::string source, std::string payload, const JobsConfig& config) {
    if (submission.sources.size() >= config.max_items) {
        throw ClientError("too_many_items", "a job holds at most " + std::to_string(config.max_items) + " items", 413);
    }
    submission.sources.push_back(std::move(source));
    submission.payloads.push_back(std::move(payload));
}

JobSubmission from_multipart(const net::Request& request, const JobsConfig& config) {
    JobSubmission submission;
    for (const auto& part : net::parse_multipart(request.body, request.header("Content-Type"))) {
        if (part.name == "file" || part.name == "image") {
            if (part.data.empty()) throw ClientError("invalid_field", "an uploaded file is empty");
            std::string name = part.filename.empty() ? std::to_string(submission.sources.size()) : part.filename;
            add_item(submission, "upload:" + name, std::string(part.data), config);
        } else if (part.name == "task") {
            submission.task = std::string(part.data);
        } else if (part.name == "caller_reference") {
            // Raw bytes, unlike a JSON string: the store (PostgreSQL) takes UTF-8 only.
            if (!engine::is_valid_utf8(part.data)) throw ClientError("invalid_field", "caller_reference must be valid UTF-8");
            submission.caller_reference = std::string(part.data);
        } else if (part.name == "webhook_url") {
            submission.webhook_url = std::string(part.data);
        } else if (part.name == "metadata") {
            auto value = json::parse(part.data, nullptr, false);
            if (value.is_discarded() || !value.is_object()) throw ClientError("invalid_field", "metadata must be a JSON object");
            submission.metadata = check_metadata(value);
        } else {
            throw ClientError("unknown_field", "unknown form field '" + part.name +
                                                   "' (allowed: task, file, image, caller_reference, metadata, webhook_url)");
        }
    }
    return submission;
}

JobSubmission from_json(const net::Request& request, const JobsConfig& config) {
    auto body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) throw ClientError("invalid_json", "the body is not valid JSON");
    if (!body.is_object()) throw ClientError("invalid_json", "the body must be a JSON object");
    JobSubmission submission;
    const json* urls = nullptr;  // not a copy: see check_metadata
    for (const auto& [key, value] : body.items()) {
        if (key == "task") {
            if (!value.is_string()) throw ClientError("invalid_field", "task must be a string");
            submission.task = value.get<std::string>();
        } else if (key == "urls") {
            if (!value.is_array()) throw ClientError("invalid_field", "urls must be an array of strings");
            urls = &value;
        } else if (key == "caller_reference") {
            if (!value.is_string()) throw ClientError("invalid_field", "caller_reference must be a string");
            submission.caller_reference = value.get<std::string>();
        } else if (key == "metadata") {
            submission.metadata = check_metadata(value);
        } else if (key == "webhook_url") {
            if (!value.is_string()) throw ClientError("invalid_field", "webhook_url must be a string");
            submission.webhook_url = value.get<std::string>();
        } else {
            throw ClientError("unknown_field", "unknown field '" + key +
                                                   "' (allowed: task, urls, caller_reference, metadata, webhook_url)");
        }
    }
    check_task(submission.task);
    if (!urls || urls->empty()) return submission;
    if (config.fetch.allowed_hosts.empty()) {
        throw ClientError("url_fetching_disabled", "this service fetches no URLs (business.jobs.fetch.allowed_hosts is empty)");
    }
    for (const auto& url : *urls) {
        if (!url.is_string()) throw ClientError("invalid_field", "urls must be an array of strings");
        const auto& text = url.get_ref<const std::string&>();
        // Scheme, user info and allowlist now, so a URL that can never be fetched is refused here
        // rather than accepted and failed later; the address check needs DNS and waits for the fetch.
        net::check_fetch_url(text, fetch_policy(config.fetch));
        add_item(submission, text, std::string(), config);
    }
    return submission;
}

}  // namespace

JobSubmission parse_job_submission(const net::Request& request, const JobsConfig& config) {
    const std::string type = request.content_type();
    JobSubmission submission;
    if (type == "application/json") {
        submission = from_json(request, config);
    } else if (type == "multipart/form-data") {
        submission = from_multipart(request, config);
    } else {
        throw ClientError("unsupported_media_type", "send application/json or multipart/form-data", 415);
    }
    check_task(submission.task);
    if (submission.sources.empty()) throw ClientError("missing_field", "a job needs at least one file or URL");
    if (submission.caller_reference.size() > kMaxReference) {
        throw ClientError("invalid_field", "caller_reference is longer than " + std::to_string(kMaxReference) + " bytes");
    }
    if (!submission.webhook_url.empty()) {
        if (config.webhook.allowed_hosts.empty()) {
            throw ClientError("webhooks_disabled", "this service calls no webhooks (business.jobs.webhook.allowed_hosts is empty)");
        }
        if (submission.webhook_url.size() > kMaxWebhookUrl) throw ClientError("invalid_field", "webhook_url is too long");
        net::check_fetch_url(submission.webhook_url, webhook_policy(config.webhook));
    }
    return submission;
}

net::FetchPolicy fetch_policy(const JobsFetchConfig& config) {
    net::FetchPolicy policy;
    policy.allowed_hosts = config.allowed_hosts;
    policy.allow_private_addresses = config.allow_private_addresses;
    policy.max_bytes = config.max_bytes;
    policy.timeout = config.timeout;
    return policy;
}

net::FetchPolicy webhook_policy(const JobsWebhookConfig& config) {
    net::FetchPolicy policy;
    policy.allowed_hosts = config.allowed_hosts;
    policy.allow_private_addresses = config.allow_private_addresses;
    policy.timeout = config.timeout;
    policy.max_bytes = 64 * 1024;  // the receiver's answer is not used
    policy.max_redirects = 0;
    return policy;
}

json job_view(const store::JobRecord& job, const std::vector<store::JobItem>& items, std::chrono::system_clock::time_point now) {
    json eta;
    const std::size_t finished = job.done + job.failed;
    if (finished > 0) {
        if (job.state != "running" || job.pending == 0) {
            eta = 0;
        } else {
            // Throughput so far, all workers together: elapsed time per finished item.
            const double elapsed = std::chrono::duration<double>(now - job.created_at).count();
            eta = static_cast<long long>(std::ceil(std::max(0.0, elapsed) / static_cast<double>(finished) *
                                                   static_cast<double>(job.pending)));
        }
    }
    json list = json::array();
    for (const auto& item : items) {
        list.push_back({{"index", item.index},
                        {"source", item.source},
                        {"state", item.state},
                        {"attempts", item.attempts},
                        {"result_id", item.result_id.empty() ? json() : json(item.result_id)},
                        {"error", item.error.empty() ? json() : json(item.error)}});
    }
    return {{"id", job.id},
            {"task", job.task},
            {"state", job.state},
            {"caller_reference", job.caller_reference.empty() ? json() : json(job.caller_reference)},
            {"metadata", job.metadata},
            {"total", job.total},
            {"done", job.done},
            {"failed", job.failed},
            {"pending", job.pending},
            {"created_at", format_time(job.created_at)},
            {"updated_at", format_time(job.updated_at)},
            {"eta_seconds", eta},
            {"webhook", job.webhook_url.empty() ? json()
                                                : json{{"url", job.webhook_url},
                                                       {"state", job.webhook_state.empty() ? "waiting" : job.webhook_state},
                                                       {"attempts", job.webhook_attempts},
                                                       {"error", job.webhook_error.empty() ? json() : json(job.webhook_error)}}},
            {"items", list}};
}

}  // namespace vg::services::business
