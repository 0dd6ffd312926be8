#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vg::store {

struct StoreConfig;

// One analysis result as the business services keep it.
struct ResultRecord {
    std::string id;                // assigned by put() when empty: a 26-character ULID, so ids sort by creation
    std::string task;              // "product_analysis", "product_review", "homework_correction", "medical_analysis"
    std::string caller_reference;  // optional, from the client
    std::string image_hash;        // content hash (hex)
    std::string model;
    std::string prompt_version;
    std::string raw_output;   // the model's text as returned
    nlohmann::json result;    // parsed typed result; null when the output was invalid
    std::string status;       // "ok", "model_output_invalid", "failed"
    std::string error;        // empty unless status != ok
    nlohmann::json metadata;  // caller-supplied object (may be null)
    std::chrono::milliseconds latency{0};
    std::chrono::system_clock::time_point created_at;  // set by put() when default; kept to the microsecond

    friend bool operator==(const ResultRecord&, const ResultRecord&) = default;
};

inline constexpr std::size_t kMaxListLimit = 500;

struct ResultQuery {
    std::optional<std::string> task;
    std::optional<std::string> status;
    std::optional<std::chrono::system_clock::time_point> since;  // created_at >= since
    std::size_t limit = 50;                                      // 1..kMaxListLimit
    std::string cursor;                                          // opaque, from ResultPage::next_cursor
};

struct ResultPage {
    std::vector<ResultRecord> items;
    std::string next_cursor;  // empty on the last page
};

// The database failed: unreachable, broken connection, a constraint (duplicate id), a schema newer
// than this binary knows. Mistakes in the arguments are std::invalid_argument instead.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Where results are kept. Thread-safe: every method may be called from any thread at once.
class ResultStore {
public:
    virtual ~ResultStore();

    // Inserts `record`, filling its id (when empty) and created_at (when default) and bringing it to
    // what a later get() returns: created_at truncated to microseconds, invalid UTF-8 in text
    // replaced by U+FFFD. Throws std::invalid_argument for an unknown status, an empty task or a
    // metadata value that is neither null nor an object; StoreError when the database fails or the
    // id exists already.
    virtual void put(ResultRecord& record) = 0;

    // nullopt when no record has that id. Throws StoreError.
    virtual std::optional<ResultRecord> get(const std::string& id) = 0;

    // Newest first (created_at, then id, descending). Keyset pagination: the cursor names the last
    // record returned, so records inserted between page requests neither repeat nor hide older ones.
    // Throws std::invalid_argument for a malformed cursor or a limit outside 1..kMaxListLimit,
    // StoreError when the database fails.
    virtual ResultPage list(const ResultQuery& query) = 0;

    // "sqlite" or "postgresql".
    virtual std::string backend() const = 0;
};

// Opens the store `config.url` names and migrates its schema. Throws StoreError (bad URL, database
// unreachable, schema newer than this binary).
std::unique_ptr<ResultStore> open_result_store(const StoreConfig& config);

}  // namespace vg::store
