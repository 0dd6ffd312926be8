#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/job_store.hpp"
#include "store/result_cursor.hpp"
#include "store/result_id.hpp"
#include "store/result_store.hpp"

// What both backends do the same way around their SQL: checking and completing a record before it
// is written, checking a query, the text forms of JSON and time.
namespace vg::store {

// Up to 128 characters of [0-9A-Za-z._:-]: safe in a URL path and in any database.
bool valid_result_id(std::string_view id);

// Throws std::invalid_argument (see ResultStore::put); fills id and created_at; truncates created_at
// to microseconds; replaces invalid UTF-8 and NUL bytes in text fields with U+FFFD.
void prepare_for_insert(ResultRecord& record, IdGenerator& ids);

// Checks a job for JobStore::create() (throws std::invalid_argument), fills its id, state, times and
// counts, and replaces invalid UTF-8 in its text and in `sources`.
void prepare_new_job(JobRecord& job, std::vector<std::string>& sources, const std::vector<std::string>& payloads,
                     IdGenerator& ids);

// Throws std::invalid_argument for a limit outside 1..kMaxListLimit or a malformed cursor.
std::optional<ResultCursor> check_query(const ResultQuery& query);

// `text` with every invalid UTF-8 sequence (and NUL) replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

// The stored form of a JSON column: empty for null (stored as SQL NULL), else compact JSON with
// invalid UTF-8 in strings replaced.
std::string json_text(const nlohmann::json& value);
// Parses a stored JSON column; throws StoreError naming `column` when the text is not JSON.
nlohmann::json parse_json_column(std::string_view text, std::string_view column);

std::int64_t to_micros(std::chrono::system_clock::time_point time);
std::chrono::system_clock::time_point from_micros(std::int64_t micros);

}  // namespace vg::store
