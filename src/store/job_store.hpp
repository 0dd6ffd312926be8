#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vg::store {

struct StoreConfig;

inline constexpr int kDefaultMaxAttempts = 3;

// One image of a batch job.
struct JobItem {
    std::string job_id;
    int index = 0;
    std::string source;  // "upload:<name>" or the URL
    std::string state;   // pending | running | done | failed
    int attempts = 0;    // claims so far; with job_id and index it names one lease (a fencing token)
    std::string result_id;
    std::string error;
    std::string lease_owner;
    std::chrono::system_clock::time_point lease_until{};
};

struct JobRecord {
    std::string id;  // assigned by create(): a ULID
    std::string task;
    std::string caller_reference;
    nlohmann::json metadata;  // null or an object
    std::string webhook_url;
    std::string state;  // running | done | cancelled
    // The completion webhook: "" (none, or the job still runs), pending, delivered or failed.
    std::string webhook_state;
    int webhook_attempts = 0;
    std::string webhook_error;
    // pending counts items not finished yet, running ones included.
    std::size_t total = 0, done = 0, failed = 0, pending = 0;
    std::chrono::system_clock::time_point created_at, updated_at;
};

// Batch jobs kept in the results database, so a job survives a crash or restart of the process that
// runs it: workers lease items for a while and renew the lease; an item whose worker died is leased
// again once its lease expires, a finished one never is. Lease times come from this process's clock.
// Thread-safe; several processes may share one database.
class JobStore {
public:
    virtual ~JobStore();

    // Creates the job and its items atomically, all pending; fills job.id, state ("running"),
    // created_at, updated_at and the counts. `payloads` is empty or one per source (uploaded bytes,
    // empty for a URL); they are kept until the job finishes. Throws std::invalid_argument (no
    // sources, payloads of another count, empty task, metadata neither null nor an object),
    // StoreError.
    virtual void create(JobRecord& job, const std::vector<std::string>& sources,
                        const std::vector<std::string>& payloads) = 0;
    // nullopt for an unknown id; counts are computed from the items.
    virtual std::optional<JobRecord> get(const std::string& job_id) = 0;
    // In index order; empty for an unknown id.
    virtual std::vector<JobItem> items(const std::string& job_id) = 0;
    // The item's uploaded bytes; empty when it has none (a URL) or the job has finished.
    virtual std::string payload(const std::string& job_id, int index) = 0;

    // Leases up to `max` items of running jobs that are pending, or running with an expired lease
    // (their worker died), oldest job first: each becomes running for `owner` until now + lease,
    // attempts + 1. Two callers never get the same item. An expired item that has used up its
    // attempts fails instead.
    virtual std::vector<JobItem> claim(const std::string& owner, std::size_t max, std::chrono::milliseconds lease) = 0;
    // Leases this one item (when a queue names it), on the same terms as claim(): nullopt when it is not
    // there to take (finished, leased by a live worker, out of attempts, or its job is not running).
    virtual std::optional<JobItem> claim_item(const std::string& job_id, int index, const std::string& owner,
                                              std::chrono::milliseconds lease) = 0;
    // Extends the lease `item` (as claim() returned it) names; false when it was lost.
    virtual bool renew(const JobItem& item, const std::string& owner, std::chrono::milliseconds lease) = 0;
    // Finishes the leased item as done; false (and nothing changed) when the lease was lost, so a late
    // duplicate cannot overwrite. When the last item finishes the job becomes done and its payloads go.
    virtual bool complete(const JobItem& item, const std::string& owner, const std::string& result_id) = 0;
    // Gives the item back as pending (when `retry` and it has attempts left) or finishes it as failed
    // with `error`; false when the lease was lost.
    virtual bool fail(const JobItem& item, const std::string& owner, const std::string& error, bool retry) = 0;
    // A running job becomes cancelled: no more claims, payloads dropped. Items in flight may still
    // finish. Nothing happens for a finished or unknown job.
    virtual void cancel(const std::string& job_id) = 0;

    // Finished jobs (done or cancelled) whose webhook is due: never tried, or a retry whose time has
    // come; oldest first. Each is held for `lease` (other callers skip it meanwhile) and its attempts
    // go up by one. Returns (job id, attempts after this claim) pairs.
    virtual std::vector<std::pair<std::string, int>> claim_webhooks(std::size_t max, std::chrono::milliseconds lease) = 0;
    // The outcome of the delivery attempt `attempts` names: delivered; or failed with `error`, tried
    // again at `retry_at` or, without one, given up for good. Nothing happens for a stale attempt.
    virtual void record_webhook(const std::string& job_id, int attempts, bool delivered, const std::string& error,
                                std::optional<std::chrono::system_clock::time_point> retry_at) = 0;
};

// Opens the job store in the database `config.url` names (the results database) and migrates its
// schema. `max_attempts` (>= 1) bounds the claims of one item. Throws StoreError.
std::unique_ptr<JobStore> open_job_store(const StoreConfig& config, int max_attempts = kDefaultMaxAttempts);

}  // namespace vg::store
