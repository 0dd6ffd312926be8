#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/job_store.hpp"
#include "store/result_id.hpp"

namespace vg::store {

class PostgresPool;

// Jobs in the PostgreSQL results database, through a connection pool like PostgresResultStore's.
// Claims take items with FOR UPDATE SKIP LOCKED, so concurrent claimers (threads or processes) get
// distinct items without waiting on each other; finishing an item locks its job row, so exactly one
// of two concurrent last items marks the job done.
//
// Thread-safe.
class PostgresJobStore final : public JobStore {
public:
    // Connects and migrates; throws StoreError.
    PostgresJobStore(const std::string& url, std::size_t pool_size, std::chrono::milliseconds timeout,
                     int max_attempts);
    ~PostgresJobStore() override;

    void create(JobRecord& job, const std::vector<std::string>& sources,
                const std::vector<std::string>& payloads) override;
    std::optional<JobRecord> get(const std::string& job_id) override;
    std::vector<JobItem> items(const std::string& job_id) override;
    std::string payload(const std::string& job_id, int index) override;
    std::vector<JobItem> claim(const std::string& owner, std::size_t max, std::chrono::milliseconds lease) override;
    std::optional<JobItem> claim_item(const std::string& job_id, int index, const std::string& owner,
                                      std::chrono::milliseconds lease) override;
    bool renew(const JobItem& item, const std::string& owner, std::chrono::milliseconds lease) override;
    bool complete(const JobItem& item, const std::string& owner, const std::string& result_id) override;
    bool fail(const JobItem& item, const std::string& owner, const std::string& error, bool retry) override;
    void cancel(const std::string& job_id) override;
    std::vector<std::pair<std::string, int>> claim_webhooks(std::size_t max, std::chrono::milliseconds lease) override;
    void record_webhook(const std::string& job_id, int attempts, bool delivered, const std::string& error,
                        std::optional<std::chrono::system_clock::time_point> retry_at) override;

private:
    std::unique_ptr<PostgresPool> pool_;
    IdGenerator ids_;
    int max_attempts_;
};

}  // namespace vg::store
