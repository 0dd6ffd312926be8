#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/request.hpp"
#include "services/business/business_service_config.hpp"
#include "net/url_fetcher.hpp"
#include "store/job_store.hpp"

namespace vg::services::business {

// A checked POST /api/jobs: one source (and payload, empty for a URL) per item.
struct JobSubmission {
    std::string task;
    std::string caller_reference;
    nlohmann::json metadata;
    std::string webhook_url;
    std::vector<std::string> sources;
    std::vector<std::string> payloads;
};

// Reads multipart (`task`, `file`/`image` parts, `caller_reference`, `metadata`, `webhook_url`) or JSON
// {"task", "urls", "caller_reference"?, "metadata"?, "webhook_url"?}. Throws ClientError: unknown_task,
// missing_field, too_many_items (413), url_fetching_disabled, unknown_field, invalid_field, invalid_json,
// webhooks_disabled, and the url_* codes (url_invalid, url_scheme_not_allowed, url_host_not_allowed) of an
// item URL the fetch policy or a webhook URL the webhook policy refuses.
JobSubmission parse_job_submission(const net::Request& request, const JobsConfig& config);

// What job item URLs may reach (the job runner's fetcher policy).
net::FetchPolicy fetch_policy(const JobsFetchConfig& config);

// What webhook deliveries may reach (also the fetcher policy of the webhook sender).
net::FetchPolicy webhook_policy(const JobsWebhookConfig& config);

// The GET /api/jobs/{id} body (and a webhook's `job`): counts, an ETA from the average item time so
// far, the webhook's delivery state, and the items.
nlohmann::json job_view(const store::JobRecord& job, const std::vector<store::JobItem>& items,
                        std::chrono::system_clock::time_point now);

}  // namespace vg::services::business
