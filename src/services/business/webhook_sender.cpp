#include "services/business/webhook_sender.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "net/url_fetcher.hpp"
#include "services/business/job_routes.hpp"
#include "services/business/webhook_signature.hpp"
#include "store/job_store.hpp"

namespace vg::services::business {

namespace {

using json = nlohmann::json;
constexpr std::size_t kBatch = 8;

}  // namespace

WebhookSender::WebhookSender(const JobsWebhookConfig& config, std::chrono::milliseconds poll_interval,
                             store::JobStore& jobs, net::UrlFetcher& fetcher, Logger log)
    : config_(config), poll_interval_(poll_interval), jobs_(jobs), fetcher_(fetcher), log_(std::move(log)) {}

WebhookSender::~WebhookSender() { stop(); }

void WebhookSender::start() {
    thread_ = std::thread([this] { loop(); });
}

void WebhookSender::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void WebhookSender::wake() {
    {
        std::lock_guard lock(mutex_);
        ++wakeups_;
    }
    wake_.notify_all();
}

void WebhookSender::loop() {
    // Held long enough for one delivery, so another replica takes it over only when this one died.
    const auto lease = config_.timeout * 2 + std::chrono::seconds(5);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const std::uint64_t seen = wakeups_;
        lock.unlock();
        std::vector<std::pair<std::string, int>> due;
        try {
            due = jobs_.claim_webhooks(kBatch, lease);
        } catch (const std::exception& e) {
            log_.error("", "claiming due webhooks failed", json{{"error", e.what()}});
        }
        for (const auto& [job_id, attempts] : due) deliver(job_id, attempts);
        lock.lock();
        if (due.size() == kBatch) continue;  // there may be more
        wake_.wait_for(lock, poll_interval_, [&] { return stopping_ || wakeups_ != seen; });
    }
}

void WebhookSender::deliver(const std::string& job_id, int attempts) {
    try {
        const auto job = jobs_.get(job_id);
        if (!job || job->webhook_url.empty()) return;
        const json body = {{"event", "job.finished"},
                           {"job", job_view(*job, jobs_.items(job_id), std::chrono::system_clock::now())}};
        const std::string text = body.dump();
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        std::string error;
        try {
            fetcher_.post(job->webhook_url, text,
                          {{"Content-Type", "application/json"},
                           {kWebhookSignatureHeader, sign_webhook(config_.secret, now, text)},
                           {"X-VisionGrid-Event", "job.finished"},
                           {"X-VisionGrid-Delivery", job_id},
                           {"X-VisionGrid-Attempt", std::to_string(attempts)}});
        } catch (const Error& e) {
            error = e.code() + ": " + e.what();
        }
        if (error.empty()) {
            jobs_.record_webhook(job_id, attempts, true, "", std::nullopt);
            log_.info("", "job webhook delivered", json{{"job", job_id}, {"attempt", attempts}});
            return;
        }
        std::optional<std::chrono::system_clock::time_point> retry_at;
        if (attempts < config_.max_attempts) {
            auto delay = config_.retry_initial;
            for (int n = 1; n < attempts && delay < config_.retry_max; ++n) delay *= 2;
            retry_at = std::chrono::system_clock::now() + std::min(delay, config_.retry_max);
        }
        jobs_.record_webhook(job_id, attempts, false, error, retry_at);
        log_.warn("", retry_at ? "job webhook failed; will retry" : "job webhook failed; giving up",
                  json{{"job", job_id}, {"attempt", attempts}, {"error", error}});
    } catch (const std::exception& e) {
        // The lease runs out and the delivery is claimed again.
        log_.error("", "job webhook delivery failed", json{{"job", job_id}, {"error", e.what()}});
    }
}

}  // namespace vg::services::business
