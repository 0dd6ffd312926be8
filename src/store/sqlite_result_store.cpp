#include "store/sqlite_result_store.hpp"

#include <condition_variable>
#include <mutex>
#include <string_view>
#include <vector>

#include "store/migrations.hpp"
#include "store/record_rules.hpp"
#include "store/sqlite_connection.hpp"

namespace vg::store {

namespace {

using Connection = SqliteConnection;
using Statement = SqliteStatement;

constexpr std::string_view kMemory = ":memory:";
constexpr const char* kColumns =
    "id, task, caller_reference, image_hash, model, prompt_version, raw_output, result, status, error, metadata, "
    "latency_ms, created_at";

ResultRecord read_record(const Statement& row) {
    ResultRecord record;
    record.id = row.text(0);
    record.task = row.text(1);
    record.caller_reference = row.text(2);
    record.image_hash = row.text(3);
    record.model = row.text(4);
    record.prompt_version = row.text(5);
    record.raw_output = row.text(6);
    if (!row.is_null(7)) record.result = parse_json_column(row.text(7), "result");
    record.status = row.text(8);
    record.error = row.text(9);
    if (!row.is_null(10)) record.metadata = parse_json_column(row.text(10), "metadata");
    record.latency = std::chrono::milliseconds(row.integer(11));
    record.created_at = from_micros(row.integer(12));
    return record;
}


}  // namespace

class SqliteResultStore::Pool {
public:
    Pool(const std::string& path, std::size_t size, std::chrono::milliseconds busy_timeout)
        : path_(path),
          busy_timeout_(busy_timeout),
          reader_count_(path == kMemory || size <= 1 ? 0 : size - 1),
          writer_(std::make_unique<Connection>(path, busy_timeout, false)) {}

    // Readers open after migration, so none of them caches a plan made for an older schema.
    void open_readers() {
        for (std::size_t i = 0; i < reader_count_; ++i) {
            idle_readers_.push_back(std::make_unique<Connection>(path_, busy_timeout_, true));
        }
    }

    template <class Fn>
    auto write(Fn&& fn) {
        std::lock_guard lock(write_mutex_);
        return fn(*writer_);
    }

    template <class Fn>
    auto read(Fn&& fn) {
        if (reader_count_ == 0) return write(std::forward<Fn>(fn));
        std::unique_ptr<Connection> reader;
        {
            std::unique_lock lock(read_mutex_);
            reader_free_.wait(lock, [this] { return !idle_readers_.empty(); });
            reader = std::move(idle_readers_.back());
            idle_readers_.pop_back();
        }
        struct GiveBack {
            Pool& pool;
            std::unique_ptr<Connection>& reader;
            ~GiveBack() {
                {
                    std::lock_guard lock(pool.read_mutex_);
                    pool.idle_readers_.push_back(std::move(reader));
                }
                pool.reader_free_.notify_one();
            }
        } give_back{*this, reader};
        return fn(*reader);
    }

private:
    std::string path_;
    std::chrono::milliseconds busy_timeout_{0};
    std::size_t reader_count_ = 0;
    std::mutex write_mutex_;
    std::unique_ptr<Connection> writer_;
    std::mutex read_mutex_;
    std::condition_variable reader_free_;
    std::vector<std::unique_ptr<Connection>> idle_readers_;
};

SqliteResultStore::SqliteResultStore(const std::string& path, std::size_t pool_size,
                                     std::chrono::milliseconds busy_timeout)
    : pool_(std::make_unique<Pool>(path, pool_size, busy_timeout)) {
    migrations_applied_ = pool_->write([](Connection& connection) {
        SqliteMigrationTarget target(connection);
        return migrate(target, sqlite_migrations(), "sqlite");
    });
    pool_->open_readers();
}

SqliteResultStore::~SqliteResultStore() = default;

void SqliteResultStore::put(ResultRecord& record) {
    prepare_for_insert(record, ids_);
    const std::string result = json_text(record.result);
    const std::string metadata = json_text(record.metadata);
    pool_->write([&](Connection& connection) {
        Statement insert(connection, std::string("INSERT INTO results (") + kColumns +
                                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, record.id);
        insert.bind(2, record.task);
        insert.bind(3, record.caller_reference);
        insert.bind(4, record.image_hash);
        insert.bind(5, record.model);
        insert.bind(6, record.prompt_version);
        insert.bind(7, record.raw_output);
        insert.bind_or_null(8, result);
        insert.bind(9, record.status);
        insert.bind(10, record.error);
        insert.bind_or_null(11, metadata);
        insert.bind(12, std::int64_t{record.latency.count()});
        insert.bind(13, to_micros(record.created_at));
        try {
            insert.step();
        } catch (const StoreError&) {
            if (connection.extended_error() == SQLITE_CONSTRAINT_PRIMARYKEY) {
                throw StoreError("result id '" + record.id + "' exists already");
            }
            throw;
        }
    });
}

std::optional<ResultRecord> SqliteResultStore::get(const std::string& id) {
    if (!valid_result_id(id)) return std::nullopt;
    return pool_->read([&](Connection& connection) -> std::optional<ResultRecord> {
        Statement select(connection, std::string("SELECT ") + kColumns + " FROM results WHERE id = ?");
        select.bind(1, id);
        if (!select.step()) return std::nullopt;
        return read_record(select);
    });
}

ResultPage SqliteResultStore::list(const ResultQuery& query) {
    const auto cursor = check_query(query);
    std::string sql = std::string("SELECT ") + kColumns + " FROM results";
    std::vector<std::string_view> conditions;
    if (query.task) conditions.push_back("task = ?");
    if (query.status) conditions.push_back("status = ?");
    if (query.since) conditions.push_back("created_at >= ?");
    if (cursor) conditions.push_back("(created_at, id) < (?, ?)");
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        sql += i == 0 ? " WHERE " : " AND ";
        sql += conditions[i];
    }
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?";

    ResultPage page = pool_->read([&](Connection& connection) {
        Statement select(connection, sql);
        int index = 0;
        if (query.task) select.bind(++index, *query.task);
        if (query.status) select.bind(++index, *query.status);
        if (query.since) select.bind(++index, to_micros(*query.since));
        if (cursor) {
            select.bind(++index, cursor->created_us);
            select.bind(++index, cursor->id);
        }
        // One more than asked for tells whether another page follows.
        select.bind(++index, static_cast<std::int64_t>(query.limit + 1));
        ResultPage rows;
        while (select.step()) rows.items.push_back(read_record(select));
        return rows;
    });
    if (page.items.size() > query.limit) {
        page.items.pop_back();
        const ResultRecord& last = page.items.back();
        page.next_cursor = encode_cursor({to_micros(last.created_at), last.id});
    }
    return page;
}

}  // namespace vg::store
