#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/logging.hpp"
#include "services/business/business_service_config.hpp"

namespace vg::net {
class UrlFetcher;
}
namespace vg::store {
class JobStore;
}

namespace vg::services::business {

// Tells a job's webhook_url that the job finished: a POST of the job as GET /api/jobs/{id} shows it,
// signed (X-VisionGrid-Signature) with the configured secret, through a fetcher that enforces the
// webhook host allowlist and refuses private addresses. Due deliveries are leased from the job store,
// so each is sent by one replica and one that dies mid-delivery is retried by another; a failure is
// retried with a doubling delay up to max_attempts. Delivery is at least once: receivers deduplicate
// on X-VisionGrid-Delivery (the job id; X-VisionGrid-Attempt counts the tries).
class WebhookSender {
public:
    WebhookSender(const JobsWebhookConfig& config, std::chrono::milliseconds poll_interval, store::JobStore& jobs,
                  net::UrlFetcher& fetcher, Logger log);
    ~WebhookSender();
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;

    void start();
    void stop();
    // A job may have finished: look now rather than at the next poll.
    void wake();

private:
    void loop();
    void deliver(const std::string& job_id, int attempts);

    const JobsWebhookConfig& config_;
    const std::chrono::milliseconds poll_interval_;
    store::JobStore& jobs_;
    net::UrlFetcher& fetcher_;
    Logger log_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::uint64_t wakeups_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace vg::services::business
