#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "store/job_store.hpp"
#include "store/result_id.hpp"

namespace vg::store {

class SqliteConnection;

// Jobs in the SQLite results file (or ":memory:"). One connection behind a mutex: job traffic is a
// few statements per item, and every change must be a write anyway. Claims run under BEGIN
// IMMEDIATE, so processes sharing the file never lease one item twice.
//
// Thread-safe.
class SqliteJobStore final : public JobStore {
public:
    // Opens (creating when missing) and migrates; throws StoreError.
    SqliteJobStore(const std::string& path, std::chrono::milliseconds busy_timeout, int max_attempts);
    ~SqliteJobStore() override;

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
    // Runs `fn(connection)` in one write transaction, rolled back when it throws.
    template <class Fn>
    auto transaction(Fn&& fn);

    std::mutex mutex_;
    std::unique_ptr<SqliteConnection> connection_;
    IdGenerator ids_;
    int max_attempts_;
};

}  // namespace vg::store
