#include "store/postgres_job_store.hpp"

#include <algorithm>
#include <tuple>

#include "store/postgres_pool.hpp"
#include "store/record_rules.hpp"

namespace vg::store {

namespace {

#define VG_MICROS(n) "(TIMESTAMPTZ 'epoch' + $" #n "::bigint * INTERVAL '1 microsecond')"
#define VG_EPOCH_US(column) "(EXTRACT(EPOCH FROM " column ") * 1000000)::bigint"

constexpr const char* kItemColumns =
    "job_id, item_index, source, state, attempts, result_id, error, lease_owner, " VG_EPOCH_US("lease_until");

constexpr const char* kInsertJob = "vg_jobs_insert";
constexpr const char* kInsertItem = "vg_jobs_insert_item";
constexpr const char* kInsertPayload = "vg_jobs_insert_payload";
constexpr const char* kGetJob = "vg_jobs_get";
constexpr const char* kItems = "vg_jobs_items";
constexpr const char* kPayload = "vg_jobs_payload";
constexpr const char* kExhaust = "vg_jobs_exhaust";
constexpr const char* kClaim = "vg_jobs_claim";
constexpr const char* kRenew = "vg_jobs_renew";
constexpr const char* kComplete = "vg_jobs_complete";
constexpr const char* kFail = "vg_jobs_fail";
constexpr const char* kLockJob = "vg_jobs_lock";
constexpr const char* kLeft = "vg_jobs_left";
constexpr const char* kFinish = "vg_jobs_finish";
constexpr const char* kTouch = "vg_jobs_touch";
constexpr const char* kDropPayloads = "vg_jobs_drop_payloads";
constexpr const char* kCancel = "vg_jobs_cancel";
constexpr const char* kClaimItem = "vg_jobs_claim_item";
constexpr const char* kClaimWebhooks = "vg_jobs_claim_webhooks";
constexpr const char* kRecordWebhook = "vg_jobs_record_webhook";
// Set when a job finishes: its webhook (if it has one) is due at once.
#define VG_WEBHOOK_DUE "webhook_state = CASE WHEN webhook_url <> '' THEN 'pending' ELSE '' END, webhook_next_at = 'epoch'"

void prepare_statements(pqxx::connection& connection) {
    connection.prepare(kInsertJob,
                       "INSERT INTO jobs (id, task, caller_reference, metadata, webhook_url, state, created_at, "
                       "updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, " VG_MICROS(7) ", " VG_MICROS(7) ")");
    connection.prepare(kInsertItem,
                       "INSERT INTO job_items (job_id, item_index, source, state) VALUES ($1, $2, $3, 'pending')");
    connection.prepare(kInsertPayload, "INSERT INTO job_payloads (job_id, item_index, data) VALUES ($1, $2, $3)");
    connection.prepare(kGetJob,
                       "SELECT j.id, j.task, j.caller_reference, j.metadata::text, j.webhook_url, j.state, " VG_EPOCH_US(
                           "j.created_at") ", " VG_EPOCH_US("j.updated_at") ", COUNT(i.item_index), "
                                                                             "COUNT(*) FILTER (WHERE i.state = 'done'), "
                                                                             "COUNT(*) FILTER (WHERE i.state = 'failed'), "
                                                                             "j.webhook_state, j.webhook_attempts, "
                                                                             "j.webhook_error "
                                                                             "FROM jobs j LEFT JOIN job_items i ON "
                                                                             "i.job_id = j.id WHERE j.id = $1 GROUP BY "
                                                                             "j.id");
    connection.prepare(kItems,
                       std::string("SELECT ") + kItemColumns + " FROM job_items WHERE job_id = $1 ORDER BY item_index");
    connection.prepare(kPayload, "SELECT data FROM job_payloads WHERE job_id = $1 AND item_index = $2");
    connection.prepare(kExhaust,
                       "UPDATE job_items SET state = 'failed', error = 'lease expired after ' || attempts || "
                       "' attempts', lease_owner = '', lease_until = 'epoch' WHERE state = 'running' AND "
                       "lease_until < " VG_MICROS(1) " AND attempts >= $2 RETURNING job_id");
    connection.prepare(
        kClaim, std::string("UPDATE job_items u SET state = 'running', lease_owner = $1, lease_until = " VG_MICROS(
                    2) ", attempts = u.attempts + 1 FROM ("
                       "SELECT i.job_id, i.item_index FROM job_items i JOIN jobs j ON j.id = "
                       "i.job_id WHERE j.state = 'running' AND (i.state = 'pending' OR "
                       "(i.state = 'running' AND i.lease_until < " VG_MICROS(
                           3) ")) "
                              "ORDER BY i.job_id, i.item_index LIMIT $4 FOR UPDATE OF i SKIP LOCKED) c "
                              "WHERE u.job_id = c.job_id AND u.item_index = c.item_index RETURNING ") +
                    "u.job_id, u.item_index, u.source, u.state, u.attempts, u.result_id, u.error, "
                    "u.lease_owner, " VG_EPOCH_US("u.lease_until"));
    connection.prepare(kRenew,
                       "UPDATE job_items SET lease_until = " VG_MICROS(1) " WHERE job_id = $2 AND item_index = $3 "
                       "AND state = 'running' AND lease_owner = $4 AND attempts = $5");
    connection.prepare(kComplete,
                       "UPDATE job_items SET state = 'done', result_id = $1, error = '', lease_owner = '', "
                       "lease_until = 'epoch' WHERE job_id = $2 AND item_index = $3 AND state = 'running' AND "
                       "lease_owner = $4 AND attempts = $5");
    connection.prepare(kFail,
                       "UPDATE job_items SET state = CASE WHEN $1 AND attempts < $2 THEN 'pending' ELSE 'failed' "
                       "END, error = $3, lease_owner = '', lease_until = 'epoch' WHERE job_id = $4 AND "
                       "item_index = $5 AND state = 'running' AND lease_owner = $6 AND attempts = $7");
    connection.prepare(kLockJob, "SELECT state FROM jobs WHERE id = $1 FOR UPDATE");
    connection.prepare(kLeft, "SELECT COUNT(*) FROM job_items WHERE job_id = $1 AND state NOT IN ('done', 'failed')");
    connection.prepare(
        kFinish, "UPDATE jobs SET state = 'done', updated_at = " VG_MICROS(2) ", " VG_WEBHOOK_DUE
                 " WHERE id = $1 AND state = 'running'");
    connection.prepare(kTouch, "UPDATE jobs SET updated_at = " VG_MICROS(2) " WHERE id = $1");
    connection.prepare(kDropPayloads, "DELETE FROM job_payloads WHERE job_id = $1");
    connection.prepare(kCancel, "UPDATE jobs SET state = 'cancelled', updated_at = " VG_MICROS(
                                    2) ", " VG_WEBHOOK_DUE " WHERE id = $1 AND state = 'running'");
    connection.prepare(kClaimItem,
                       std::string("UPDATE job_items SET state = 'running', lease_owner = $1, lease_until = " VG_MICROS(
                           2) ", attempts = attempts + 1 WHERE job_id = $3 AND item_index = $4 AND attempts < $5 AND "
                              "(state = 'pending' OR (state = 'running' AND lease_until < " VG_MICROS(
                                  6) ")) AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = job_items.job_id AND "
                                     "j.state = 'running') RETURNING ") +
                           kItemColumns);
    connection.prepare(kClaimWebhooks,
                       "UPDATE jobs u SET webhook_next_at = " VG_MICROS(1) ", webhook_attempts = u.webhook_attempts + 1 "
                       "FROM (SELECT id FROM jobs WHERE webhook_state = 'pending' AND webhook_next_at <= " VG_MICROS(
                           2) " ORDER BY updated_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) c WHERE u.id = c.id "
                              "RETURNING u.id, u.webhook_attempts");
    connection.prepare(kRecordWebhook,
                       "UPDATE jobs SET webhook_state = $1, webhook_error = $2, webhook_next_at = " VG_MICROS(
                           3) " WHERE id = $4 AND webhook_attempts = $5 AND webhook_state = 'pending'");
}

#undef VG_WEBHOOK_DUE

#undef VG_MICROS
#undef VG_EPOCH_US

JobItem read_item(const pqxx::row& row) {
    JobItem item;
    item.job_id = text_of(row[0]);
    item.index = row[1].as<int>();
    item.source = text_of(row[2]);
    item.state = text_of(row[3]);
    item.attempts = row[4].as<int>();
    item.result_id = text_of(row[5]);
    item.error = text_of(row[6]);
    item.lease_owner = text_of(row[7]);
    item.lease_until = from_micros(row[8].as<long long>());
    return item;
}

long long now_micros() {
    return static_cast<long long>(to_micros(std::chrono::system_clock::now()));
}

// Locks the job row first: of two transactions finishing its last items at once, the second waits
// and then sees the first's item finished, so one of them marks the job done.
void finish_job_if_complete(pqxx::work& tx, const std::string& job_id, long long now) {
    tx.exec_prepared(kLockJob, job_id);
    tx.exec_prepared(kTouch, job_id, now);
    if (tx.exec_prepared1(kLeft, job_id)[0].as<long long>() != 0) return;
    tx.exec_prepared(kFinish, job_id, now);
    tx.exec_prepared(kDropPayloads, job_id);
}

const char* null_if_empty(const std::string& text) {
    return text.empty() ? nullptr : text.c_str();
}

}  // namespace

PostgresJobStore::PostgresJobStore(const std::string& url, std::size_t pool_size, std::chrono::milliseconds timeout,
                                   int max_attempts)
    : pool_(std::make_unique<PostgresPool>(url, pool_size, timeout, prepare_statements)),
      max_attempts_(std::max(1, max_attempts)) {
    pool_->run("migrate", [](pqxx::connection& connection) {
        PostgresMigrationTarget target(connection);
        return migrate(target, postgres_migrations(), "postgresql");
    });
}

PostgresJobStore::~PostgresJobStore() = default;

void PostgresJobStore::create(JobRecord& job, const std::vector<std::string>& sources,
                              const std::vector<std::string>& payloads) {
    std::vector<std::string> clean_sources = sources;
    prepare_new_job(job, clean_sources, payloads, ids_);
    const std::string metadata = json_text(job.metadata);
    pool_->run("create job", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        tx.exec_prepared(kInsertJob, job.id, job.task, job.caller_reference, null_if_empty(metadata), job.webhook_url,
                         job.state, static_cast<long long>(to_micros(job.created_at)));
        for (std::size_t i = 0; i < clean_sources.size(); ++i) {
            const int index = static_cast<int>(i);
            tx.exec_prepared(kInsertItem, job.id, index, clean_sources[i]);
            if (payloads.empty() || payloads[i].empty()) continue;
            tx.exec_prepared(kInsertPayload, job.id, index, pqxx::binarystring(payloads[i]));
        }
        tx.commit();
    });
}

std::optional<JobRecord> PostgresJobStore::get(const std::string& job_id) {
    return pool_->run("get job", [&](pqxx::connection& connection) -> std::optional<JobRecord> {
        pqxx::read_transaction tx(connection);
        const auto rows = tx.exec_prepared(kGetJob, job_id);
        tx.commit();
        if (rows.empty()) return std::nullopt;
        const auto& row = rows[0];
        JobRecord job;
        job.id = text_of(row[0]);
        job.task = text_of(row[1]);
        job.caller_reference = text_of(row[2]);
        if (!row[3].is_null()) job.metadata = parse_json_column(text_of(row[3]), "metadata");
        job.webhook_url = text_of(row[4]);
        job.state = text_of(row[5]);
        job.created_at = from_micros(row[6].as<long long>());
        job.updated_at = from_micros(row[7].as<long long>());
        job.total = row[8].as<std::size_t>();
        job.done = row[9].as<std::size_t>();
        job.failed = row[10].as<std::size_t>();
        job.pending = job.total - job.done - job.failed;
        job.webhook_state = text_of(row[11]);
        job.webhook_attempts = row[12].as<int>();
        job.webhook_error = text_of(row[13]);
        return job;
    });
}

std::vector<JobItem> PostgresJobStore::items(const std::string& job_id) {
    return pool_->run("job items", [&](pqxx::connection& connection) {
        pqxx::read_transaction tx(connection);
        const auto rows = tx.exec_prepared(kItems, job_id);
        tx.commit();
        std::vector<JobItem> out;
        for (const auto& row : rows) out.push_back(read_item(row));
        return out;
    });
}

std::string PostgresJobStore::payload(const std::string& job_id, int index) {
    return pool_->run("job payload", [&](pqxx::connection& connection) {
        pqxx::read_transaction tx(connection);
        const auto rows = tx.exec_prepared(kPayload, job_id, index);
        tx.commit();
        if (rows.empty()) return std::string();
        return pqxx::binarystring(rows[0][0]).str();
    });
}

std::vector<JobItem> PostgresJobStore::claim(const std::string& owner, std::size_t max,
                                             std::chrono::milliseconds lease) {
    if (max == 0) return {};
    const long long now = now_micros();
    const long long until = now + static_cast<long long>(lease.count()) * 1000;
    auto claimed = pool_->run("claim job items", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        // Expired leases with no attempts left: the item failed, its worker died every time.
        std::vector<std::string> exhausted_jobs;
        for (const auto& row : tx.exec_prepared(kExhaust, now, max_attempts_))
            exhausted_jobs.push_back(text_of(row[0]));
        std::sort(exhausted_jobs.begin(), exhausted_jobs.end());
        exhausted_jobs.erase(std::unique(exhausted_jobs.begin(), exhausted_jobs.end()), exhausted_jobs.end());
        for (const auto& job_id : exhausted_jobs) finish_job_if_complete(tx, job_id, now);
        std::vector<JobItem> out;
        for (const auto& row : tx.exec_prepared(kClaim, owner, until, now, static_cast<long long>(max))) {
            out.push_back(read_item(row));
        }
        tx.commit();
        return out;
    });
    std::sort(claimed.begin(), claimed.end(), [](const JobItem& a, const JobItem& b) {
        return std::tie(a.job_id, a.index) < std::tie(b.job_id, b.index);
    });
    return claimed;
}

std::optional<JobItem> PostgresJobStore::claim_item(const std::string& job_id, int index, const std::string& owner,
                                                    std::chrono::milliseconds lease) {
    const long long now = now_micros();
    const long long until = now + static_cast<long long>(lease.count()) * 1000;
    return pool_->run("claim job item", [&](pqxx::connection& connection) -> std::optional<JobItem> {
        pqxx::work tx(connection);
        const auto rows = tx.exec_prepared(kClaimItem, owner, until, job_id, index, max_attempts_, now);
        tx.commit();
        if (rows.empty()) return std::nullopt;
        return read_item(rows[0]);
    });
}

bool PostgresJobStore::renew(const JobItem& item, const std::string& owner, std::chrono::milliseconds lease) {
    const long long until = now_micros() + static_cast<long long>(lease.count()) * 1000;
    return pool_->run("renew job item", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        const auto result = tx.exec_prepared(kRenew, until, item.job_id, item.index, owner, item.attempts);
        tx.commit();
        return result.affected_rows() > 0;
    });
}

bool PostgresJobStore::complete(const JobItem& item, const std::string& owner, const std::string& result_id) {
    const long long now = now_micros();
    return pool_->run("complete job item", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        const auto result = tx.exec_prepared(kComplete, result_id, item.job_id, item.index, owner, item.attempts);
        if (result.affected_rows() == 0) return false;
        finish_job_if_complete(tx, item.job_id, now);
        tx.commit();
        return true;
    });
}

bool PostgresJobStore::fail(const JobItem& item, const std::string& owner, const std::string& error, bool retry) {
    const long long now = now_micros();
    const std::string clean_error = sanitize_utf8(error);
    return pool_->run("fail job item", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        const auto result =
            tx.exec_prepared(kFail, retry, max_attempts_, clean_error, item.job_id, item.index, owner, item.attempts);
        if (result.affected_rows() == 0) return false;
        finish_job_if_complete(tx, item.job_id, now);
        tx.commit();
        return true;
    });
}

void PostgresJobStore::cancel(const std::string& job_id) {
    const long long now = now_micros();
    pool_->run("cancel job", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        if (tx.exec_prepared(kCancel, job_id, now).affected_rows() > 0) tx.exec_prepared(kDropPayloads, job_id);
        tx.commit();
    });
}

std::vector<std::pair<std::string, int>> PostgresJobStore::claim_webhooks(std::size_t max,
                                                                          std::chrono::milliseconds lease) {
    if (max == 0) return {};
    const long long now = now_micros();
    const long long until = now + static_cast<long long>(lease.count()) * 1000;
    return pool_->run("claim webhooks", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        std::vector<std::pair<std::string, int>> out;
        for (const auto& row : tx.exec_prepared(kClaimWebhooks, until, now, static_cast<long long>(max))) {
            out.emplace_back(text_of(row[0]), row[1].as<int>());
        }
        tx.commit();
        return out;
    });
}

void PostgresJobStore::record_webhook(const std::string& job_id, int attempts, bool delivered, const std::string& error,
                                      std::optional<std::chrono::system_clock::time_point> retry_at) {
    const std::string state = delivered ? "delivered" : (retry_at ? "pending" : "failed");
    const long long next = retry_at ? static_cast<long long>(to_micros(*retry_at)) : 0;
    const std::string clean_error = sanitize_utf8(error);
    pool_->run("record webhook", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        tx.exec_prepared(kRecordWebhook, state, clean_error, next, job_id, attempts);
        tx.commit();
    });
}

}  // namespace vg::store
