#include "store/sqlite_job_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "store/migrations.hpp"
#include "store/record_rules.hpp"
#include "store/sqlite_connection.hpp"

namespace vg::store {

namespace {

constexpr const char* kItemColumns =
    "job_id, item_index, source, state, attempts, result_id, error, lease_owner, lease_until";

JobItem read_item(const SqliteStatement& row) {
    JobItem item;
    item.job_id = row.text(0);
    item.index = static_cast<int>(row.integer(1));
    item.source = row.text(2);
    item.state = row.text(3);
    item.attempts = static_cast<int>(row.integer(4));
    item.result_id = row.text(5);
    item.error = row.text(6);
    item.lease_owner = row.text(7);
    item.lease_until = from_micros(row.integer(8));
    return item;
}

// Set when a job finishes: its webhook (if it has one) is due at once.
constexpr const char* kWebhookDue =
    "webhook_state = CASE WHEN webhook_url <> '' THEN 'pending' ELSE '' END, webhook_next_at = 0";

std::int64_t now_micros() {
    return to_micros(std::chrono::system_clock::now());
}

// The job becomes done (and its payloads go) when none of its items is left to do.
void finish_job_if_complete(SqliteConnection& connection, const std::string& job_id, std::int64_t now) {
    {
        SqliteStatement left(connection,
                             "SELECT COUNT(*) FROM job_items WHERE job_id = ? AND state NOT IN ('done', 'failed')");
        left.bind(1, job_id);
        left.step();
        if (left.integer(0) != 0) return;
    }
    SqliteStatement done(connection, std::string("UPDATE jobs SET state = 'done', updated_at = ?, ") + kWebhookDue +
                                         " WHERE id = ? AND state = 'running'");
    done.bind(1, now);
    done.bind(2, job_id);
    done.step();
    SqliteStatement drop(connection, "DELETE FROM job_payloads WHERE job_id = ?");
    drop.bind(1, job_id);
    drop.step();
}

void touch_job(SqliteConnection& connection, const std::string& job_id, std::int64_t now) {
    SqliteStatement touch(connection, "UPDATE jobs SET updated_at = ? WHERE id = ?");
    touch.bind(1, now);
    touch.bind(2, job_id);
    touch.step();
}

}  // namespace

SqliteJobStore::SqliteJobStore(const std::string& path, std::chrono::milliseconds busy_timeout, int max_attempts)
    : connection_(std::make_unique<SqliteConnection>(path, busy_timeout, false)),
      max_attempts_(std::max(1, max_attempts)) {
    SqliteMigrationTarget target(*connection_);
    migrate(target, sqlite_migrations(), "sqlite");
}

SqliteJobStore::~SqliteJobStore() = default;

template <class Fn>
auto SqliteJobStore::transaction(Fn&& fn) {
    std::lock_guard lock(mutex_);
    // IMMEDIATE takes the write lock at once: another process's claim waits rather than racing ours.
    connection_->exec("BEGIN IMMEDIATE");
    try {
        if constexpr (std::is_void_v<decltype(fn(*connection_))>) {
            fn(*connection_);
            connection_->exec("COMMIT");
        } else {
            auto result = fn(*connection_);
            connection_->exec("COMMIT");
            return result;
        }
    } catch (...) {
        connection_->rollback();
        throw;
    }
}

void SqliteJobStore::create(JobRecord& job, const std::vector<std::string>& sources,
                            const std::vector<std::string>& payloads) {
    std::vector<std::string> clean_sources = sources;
    prepare_new_job(job, clean_sources, payloads, ids_);
    const std::string metadata = json_text(job.metadata);
    const std::int64_t created = to_micros(job.created_at);
    transaction([&](SqliteConnection& connection) {
        {
            SqliteStatement insert(connection,
                                   "INSERT INTO jobs (id, task, caller_reference, metadata, webhook_url, state, "
                                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            insert.bind(1, job.id);
            insert.bind(2, job.task);
            insert.bind(3, job.caller_reference);
            insert.bind_or_null(4, metadata);
            insert.bind(5, job.webhook_url);
            insert.bind(6, job.state);
            insert.bind(7, created);
            insert.bind(8, created);
            insert.step();
        }
        for (std::size_t i = 0; i < clean_sources.size(); ++i) {
            SqliteStatement item(
                connection, "INSERT INTO job_items (job_id, item_index, source, state) VALUES (?, ?, ?, 'pending')");
            item.bind(1, job.id);
            item.bind(2, static_cast<std::int64_t>(i));
            item.bind(3, clean_sources[i]);
            item.step();
            if (payloads.empty() || payloads[i].empty()) continue;
            SqliteStatement payload(connection, "INSERT INTO job_payloads (job_id, item_index, data) VALUES (?, ?, ?)");
            payload.bind(1, job.id);
            payload.bind(2, static_cast<std::int64_t>(i));
            payload.bind_blob(3, payloads[i]);
            payload.step();
        }
    });
}

std::optional<JobRecord> SqliteJobStore::get(const std::string& job_id) {
    std::lock_guard lock(mutex_);
    SqliteStatement select(*connection_,
                           "SELECT j.id, j.task, j.caller_reference, j.metadata, j.webhook_url, j.state, j.created_at, "
                           "j.updated_at, COUNT(i.item_index), COALESCE(SUM(i.state = 'done'), 0), "
                           "COALESCE(SUM(i.state = 'failed'), 0), j.webhook_state, j.webhook_attempts, "
                           "j.webhook_error "
                           "FROM jobs j LEFT JOIN job_items i ON i.job_id = j.id WHERE j.id = ? GROUP BY j.id");
    select.bind(1, job_id);
    if (!select.step()) return std::nullopt;
    JobRecord job;
    job.id = select.text(0);
    job.task = select.text(1);
    job.caller_reference = select.text(2);
    if (!select.is_null(3)) job.metadata = parse_json_column(select.text(3), "metadata");
    job.webhook_url = select.text(4);
    job.state = select.text(5);
    job.created_at = from_micros(select.integer(6));
    job.updated_at = from_micros(select.integer(7));
    job.total = static_cast<std::size_t>(select.integer(8));
    job.done = static_cast<std::size_t>(select.integer(9));
    job.failed = static_cast<std::size_t>(select.integer(10));
    job.pending = job.total - job.done - job.failed;
    job.webhook_state = select.text(11);
    job.webhook_attempts = static_cast<int>(select.integer(12));
    job.webhook_error = select.text(13);
    return job;
}

std::vector<JobItem> SqliteJobStore::items(const std::string& job_id) {
    std::lock_guard lock(mutex_);
    SqliteStatement select(
        *connection_, std::string("SELECT ") + kItemColumns + " FROM job_items WHERE job_id = ? ORDER BY item_index");
    select.bind(1, job_id);
    std::vector<JobItem> out;
    while (select.step()) out.push_back(read_item(select));
    return out;
}

std::string SqliteJobStore::payload(const std::string& job_id, int index) {
    std::lock_guard lock(mutex_);
    SqliteStatement select(*connection_, "SELECT data FROM job_payloads WHERE job_id = ? AND item_index = ?");
    select.bind(1, job_id);
    select.bind(2, std::int64_t{index});
    return select.step() ? select.blob(0) : std::string();
}

std::vector<JobItem> SqliteJobStore::claim(const std::string& owner, std::size_t max, std::chrono::milliseconds lease) {
    if (max == 0) return {};
    const std::int64_t now = now_micros();
    const std::int64_t until = now + lease.count() * 1000;
    auto claimed = transaction([&](SqliteConnection& connection) {
        // Expired leases with no attempts left: the item failed, its worker died every time.
        std::vector<std::string> exhausted_jobs;
        {
            SqliteStatement exhaust(connection,
                                    "UPDATE job_items SET state = 'failed', error = 'lease expired after ' || "
                                    "attempts || ' attempts', lease_owner = '', lease_until = 0 "
                                    "WHERE state = 'running' AND lease_until < ? AND attempts >= ? RETURNING job_id");
            exhaust.bind(1, now);
            exhaust.bind(2, std::int64_t{max_attempts_});
            while (exhaust.step()) exhausted_jobs.push_back(exhaust.text(0));
        }
        std::sort(exhausted_jobs.begin(), exhausted_jobs.end());
        exhausted_jobs.erase(std::unique(exhausted_jobs.begin(), exhausted_jobs.end()), exhausted_jobs.end());
        for (const auto& job_id : exhausted_jobs) finish_job_if_complete(connection, job_id, now);

        SqliteStatement update(connection,
                               std::string("UPDATE job_items SET state = 'running', lease_owner = ?, lease_until = ?, "
                                           "attempts = attempts + 1 WHERE (job_id, item_index) IN ("
                                           "SELECT i.job_id, i.item_index FROM job_items i JOIN jobs j ON j.id = "
                                           "i.job_id WHERE j.state = 'running' AND (i.state = 'pending' OR "
                                           "(i.state = 'running' AND i.lease_until < ?)) "
                                           "ORDER BY i.job_id, i.item_index LIMIT ?) RETURNING ") +
                                   kItemColumns);
        update.bind(1, owner);
        update.bind(2, until);
        update.bind(3, now);
        update.bind(4, static_cast<std::int64_t>(max));
        std::vector<JobItem> out;
        while (update.step()) out.push_back(read_item(update));
        return out;
    });
    std::sort(claimed.begin(), claimed.end(), [](const JobItem& a, const JobItem& b) {
        return std::tie(a.job_id, a.index) < std::tie(b.job_id, b.index);
    });
    return claimed;
}

std::optional<JobItem> SqliteJobStore::claim_item(const std::string& job_id, int index, const std::string& owner,
                                                  std::chrono::milliseconds lease) {
    const std::int64_t now = now_micros();
    return transaction([&](SqliteConnection& connection) -> std::optional<JobItem> {
        SqliteStatement update(connection,
                               std::string("UPDATE job_items SET state = 'running', lease_owner = ?, lease_until = ?, "
                                           "attempts = attempts + 1 WHERE job_id = ? AND item_index = ? AND "
                                           "attempts < ? AND (state = 'pending' OR (state = 'running' AND "
                                           "lease_until < ?)) AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = "
                                           "job_items.job_id AND j.state = 'running') RETURNING ") +
                                   kItemColumns);
        update.bind(1, owner);
        update.bind(2, now + lease.count() * 1000);
        update.bind(3, job_id);
        update.bind(4, std::int64_t{index});
        update.bind(5, std::int64_t{max_attempts_});
        update.bind(6, now);
        if (!update.step()) return std::nullopt;
        return read_item(update);
    });
}

bool SqliteJobStore::renew(const JobItem& item, const std::string& owner, std::chrono::milliseconds lease) {
    const std::int64_t until = now_micros() + lease.count() * 1000;
    return transaction([&](SqliteConnection& connection) {
        SqliteStatement update(connection,
                               "UPDATE job_items SET lease_until = ? WHERE job_id = ? AND item_index = ? AND "
                               "state = 'running' AND lease_owner = ? AND attempts = ?");
        update.bind(1, until);
        update.bind(2, item.job_id);
        update.bind(3, std::int64_t{item.index});
        update.bind(4, owner);
        update.bind(5, std::int64_t{item.attempts});
        update.step();
        return connection.changes() > 0;
    });
}

bool SqliteJobStore::complete(const JobItem& item, const std::string& owner, const std::string& result_id) {
    const std::int64_t now = now_micros();
    return transaction([&](SqliteConnection& connection) {
        {
            SqliteStatement update(connection,
                                   "UPDATE job_items SET state = 'done', result_id = ?, error = '', lease_owner = '', "
                                   "lease_until = 0 WHERE job_id = ? AND item_index = ? AND state = 'running' AND "
                                   "lease_owner = ? AND attempts = ?");
            update.bind(1, result_id);
            update.bind(2, item.job_id);
            update.bind(3, std::int64_t{item.index});
            update.bind(4, owner);
            update.bind(5, std::int64_t{item.attempts});
            update.step();
            if (connection.changes() == 0) return false;
        }
        touch_job(connection, item.job_id, now);
        finish_job_if_complete(connection, item.job_id, now);
        return true;
    });
}

bool SqliteJobStore::fail(const JobItem& item, const std::string& owner, const std::string& error, bool retry) {
    const std::int64_t now = now_micros();
    const std::string clean_error = sanitize_utf8(error);
    return transaction([&](SqliteConnection& connection) {
        {
            SqliteStatement update(connection,
                                   "UPDATE job_items SET state = CASE WHEN ? AND attempts < ? THEN 'pending' ELSE "
                                   "'failed' END, error = ?, lease_owner = '', lease_until = 0 WHERE job_id = ? AND "
                                   "item_index = ? AND state = 'running' AND lease_owner = ? AND attempts = ?");
            update.bind(1, std::int64_t{retry ? 1 : 0});
            update.bind(2, std::int64_t{max_attempts_});
            update.bind(3, clean_error);
            update.bind(4, item.job_id);
            update.bind(5, std::int64_t{item.index});
            update.bind(6, owner);
            update.bind(7, std::int64_t{item.attempts});
            update.step();
            if (connection.changes() == 0) return false;
        }
        touch_job(connection, item.job_id, now);
        finish_job_if_complete(connection, item.job_id, now);
        return true;
    });
}

void SqliteJobStore::cancel(const std::string& job_id) {
    const std::int64_t now = now_micros();
    transaction([&](SqliteConnection& connection) {
        SqliteStatement update(connection, std::string("UPDATE jobs SET state = 'cancelled', updated_at = ?, ") +
                                               kWebhookDue + " WHERE id = ? AND state = 'running'");
        update.bind(1, now);
        update.bind(2, job_id);
        update.step();
        if (connection.changes() == 0) return;
        SqliteStatement drop(connection, "DELETE FROM job_payloads WHERE job_id = ?");
        drop.bind(1, job_id);
        drop.step();
    });
}

std::vector<std::pair<std::string, int>> SqliteJobStore::claim_webhooks(std::size_t max,
                                                                        std::chrono::milliseconds lease) {
    if (max == 0) return {};
    const std::int64_t now = now_micros();
    return transaction([&](SqliteConnection& connection) {
        SqliteStatement update(connection,
                               "UPDATE jobs SET webhook_next_at = ?, webhook_attempts = webhook_attempts + 1 "
                               "WHERE id IN (SELECT id FROM jobs WHERE webhook_state = 'pending' AND "
                               "webhook_next_at <= ? ORDER BY updated_at, id LIMIT ?) RETURNING id, webhook_attempts");
        update.bind(1, now + lease.count() * 1000);
        update.bind(2, now);
        update.bind(3, static_cast<std::int64_t>(max));
        std::vector<std::pair<std::string, int>> out;
        while (update.step()) out.emplace_back(update.text(0), static_cast<int>(update.integer(1)));
        return out;
    });
}

void SqliteJobStore::record_webhook(const std::string& job_id, int attempts, bool delivered, const std::string& error,
                                    std::optional<std::chrono::system_clock::time_point> retry_at) {
    const char* state = delivered ? "delivered" : (retry_at ? "pending" : "failed");
    transaction([&](SqliteConnection& connection) {
        SqliteStatement update(connection,
                               "UPDATE jobs SET webhook_state = ?, webhook_error = ?, webhook_next_at = ? WHERE id = ? "
                               "AND webhook_attempts = ? AND webhook_state = 'pending'");
        update.bind(1, std::string(state));
        update.bind(2, sanitize_utf8(error));
        update.bind(3, retry_at ? to_micros(*retry_at) : std::int64_t{0});
        update.bind(4, job_id);
        update.bind(5, std::int64_t{attempts});
        update.step();
    });
}

}  // namespace vg::store
