#pragma once

#include <span>
#include <string_view>

namespace vg::store {

// One schema step. Versions start at 1 and go up by one; a step is never edited once released, a
// change is a new step.
struct Migration {
    int version;
    std::string_view description;
    std::string_view sql;  // one or more statements
};

std::span<const Migration> sqlite_migrations();
std::span<const Migration> postgres_migrations();

// What a backend does for the runner. Each call is its own transaction; `apply` takes a lock that
// other processes migrating the same database also take, and re-checks the version under it.
class MigrationTarget {
public:
    virtual ~MigrationTarget() = default;
    // Creates schema_migrations(version, applied_at) when it is missing.
    virtual void ensure_migrations_table() = 0;
    // The highest version recorded, 0 for a new database.
    virtual int current_version() = 0;
    // Runs `step.sql` and records `step.version`; false (and nothing done) when another process
    // recorded that version first.
    virtual bool apply(const Migration& step) = 0;
};

// Brings the target to the last of `steps`; returns how many steps were applied. Throws StoreError
// when the database records a version newer than the last of `steps` (written by a newer binary).
int migrate(MigrationTarget& target, std::span<const Migration> steps, std::string_view backend);

}  // namespace vg::store
