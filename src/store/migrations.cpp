#include "store/migrations.hpp"

#include <string>

#include "store/result_store.hpp"

namespace vg::store {

namespace {

// Times are microseconds since the Unix epoch (UTC) in SQLite, which has no time type; the pair
// (created_at, id) orders results and is the pagination key.
constexpr Migration kSqliteMigrations[] = {
    {1, "results table", R"sql(
        CREATE TABLE results (
            id               TEXT PRIMARY KEY NOT NULL,
            task             TEXT NOT NULL,
            caller_reference TEXT NOT NULL DEFAULT '',
            image_hash       TEXT NOT NULL DEFAULT '',
            model            TEXT NOT NULL DEFAULT '',
            prompt_version   TEXT NOT NULL DEFAULT '',
            raw_output       TEXT NOT NULL DEFAULT '',
            result           TEXT,
            status           TEXT NOT NULL,
            error            TEXT NOT NULL DEFAULT '',
            metadata         TEXT,
            latency_ms       INTEGER NOT NULL,
            created_at       INTEGER NOT NULL
        ) STRICT;
    )sql"},
    {2, "results listing indexes", R"sql(
        CREATE INDEX results_created_idx ON results (created_at DESC, id DESC);
        CREATE INDEX results_task_created_idx ON results (task, created_at DESC, id DESC);
        CREATE INDEX results_status_created_idx ON results (status, created_at DESC, id DESC);
    )sql"},
    {3, "batch jobs tables", R"sql(
        CREATE TABLE jobs (
            id               TEXT PRIMARY KEY NOT NULL,
            task             TEXT NOT NULL,
            caller_reference TEXT NOT NULL DEFAULT '',
            metadata         TEXT,
            webhook_url      TEXT NOT NULL DEFAULT '',
            state            TEXT NOT NULL,
            created_at       INTEGER NOT NULL,
            updated_at       INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE job_items (
            job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            item_index  INTEGER NOT NULL,
            source      TEXT NOT NULL,
            state       TEXT NOT NULL,
            attempts    INTEGER NOT NULL DEFAULT 0,
            result_id   TEXT NOT NULL DEFAULT '',
            error       TEXT NOT NULL DEFAULT '',
            lease_owner TEXT NOT NULL DEFAULT '',
            lease_until INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (job_id, item_index)
        ) STRICT;
        CREATE INDEX job_items_claim_idx ON job_items (state, lease_until);
        CREATE TABLE job_payloads (
            job_id     TEXT NOT NULL,
            item_index INTEGER NOT NULL,
            data       BLOB NOT NULL,
            PRIMARY KEY (job_id, item_index),
            FOREIGN KEY (job_id, item_index) REFERENCES job_items (job_id, item_index) ON DELETE CASCADE
        ) STRICT;
    )sql"},
    {4, "job completion webhooks", R"sql(
        ALTER TABLE jobs ADD COLUMN webhook_state TEXT NOT NULL DEFAULT '';
        ALTER TABLE jobs ADD COLUMN webhook_attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN webhook_next_at INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN webhook_error TEXT NOT NULL DEFAULT '';
        CREATE INDEX jobs_webhook_idx ON jobs (webhook_state, webhook_next_at);
    )sql"},
};

constexpr Migration kPostgresMigrations[] = {
    {1, "results table", R"sql(
        CREATE TABLE results (
            id               text PRIMARY KEY,
            task             text NOT NULL,
            caller_reference text NOT NULL DEFAULT '',
            image_hash       text NOT NULL DEFAULT '',
            model            text NOT NULL DEFAULT '',
            prompt_version   text NOT NULL DEFAULT '',
            raw_output       text NOT NULL DEFAULT '',
            result           jsonb,
            status           text NOT NULL,
            error            text NOT NULL DEFAULT '',
            metadata         jsonb,
            latency_ms       bigint NOT NULL,
            created_at       timestamptz NOT NULL
        );
    )sql"},
    {2, "results listing indexes", R"sql(
        CREATE INDEX results_created_idx ON results (created_at DESC, id DESC);
        CREATE INDEX results_task_created_idx ON results (task, created_at DESC, id DESC);
        CREATE INDEX results_status_created_idx ON results (status, created_at DESC, id DESC);
    )sql"},
    {3, "batch jobs tables", R"sql(
        CREATE TABLE jobs (
            id               text PRIMARY KEY,
            task             text NOT NULL,
            caller_reference text NOT NULL DEFAULT '',
            metadata         jsonb,
            webhook_url      text NOT NULL DEFAULT '',
            state            text NOT NULL,
            created_at       timestamptz NOT NULL,
            updated_at       timestamptz NOT NULL
        );
        CREATE TABLE job_items (
            job_id      text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            item_index  integer NOT NULL,
            source      text NOT NULL,
            state       text NOT NULL,
            attempts    integer NOT NULL DEFAULT 0,
            result_id   text NOT NULL DEFAULT '',
            error       text NOT NULL DEFAULT '',
            lease_owner text NOT NULL DEFAULT '',
            lease_until timestamptz NOT NULL DEFAULT 'epoch',
            PRIMARY KEY (job_id, item_index)
        );
        CREATE INDEX job_items_claim_idx ON job_items (state, lease_until);
        CREATE TABLE job_payloads (
            job_id     text NOT NULL,
            item_index integer NOT NULL,
            data       bytea NOT NULL,
            PRIMARY KEY (job_id, item_index),
            FOREIGN KEY (job_id, item_index) REFERENCES job_items (job_id, item_index) ON DELETE CASCADE
        );
    )sql"},
    {4, "job completion webhooks", R"sql(
        ALTER TABLE jobs ADD COLUMN webhook_state text NOT NULL DEFAULT '';
        ALTER TABLE jobs ADD COLUMN webhook_attempts integer NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN webhook_next_at timestamptz NOT NULL DEFAULT 'epoch';
        ALTER TABLE jobs ADD COLUMN webhook_error text NOT NULL DEFAULT '';
        CREATE INDEX jobs_webhook_idx ON jobs (webhook_state, webhook_next_at);
    )sql"},
};

}  // namespace

std::span<const Migration> sqlite_migrations() {
    return kSqliteMigrations;
}
std::span<const Migration> postgres_migrations() {
    return kPostgresMigrations;
}

int migrate(MigrationTarget& target, std::span<const Migration> steps, std::string_view backend) {
    const int latest = steps.empty() ? 0 : steps.back().version;
    target.ensure_migrations_table();
    const int current = target.current_version();
    if (current > latest) {
        throw StoreError(std::string(backend) + " database schema is at version " + std::to_string(current) +
                         ", newer than this binary knows (" + std::to_string(latest) +
                         "); run a newer VisionGrid or restore a backup");
    }
    int applied = 0;
    for (const Migration& step : steps) {
        if (step.version <= current) continue;
        if (target.apply(step)) ++applied;
    }
    return applied;
}

}  // namespace vg::store
