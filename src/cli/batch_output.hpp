#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

namespace vg::cli {

enum class OutputFormat { kJsonl, kCsv };

// .csv means CSV; anything else JSON Lines.
OutputFormat output_format_for(const std::filesystem::path& path);

// The outcome of one batch item, as one output line.
struct ItemRecord {
    std::string item;           // the file (relative to the directory) or the list's line
    std::string status;         // "ok" or "failed"
    long http_status = 0;       // 0 when no answer came (unreadable input, broken connection)
    std::string id;             // the stored result's id, when the server made one
    nlohmann::json result;      // the task's result (ok) or null
    std::string error_code;     // when failed
    std::string error_message;  // when failed
    long long latency_ms = 0;
};

// The CSV columns, in order.
inline constexpr const char* kCsvColumns[] = {"item",          "status", "http_status", "error_code",
                                              "error_message", "id",     "latency_ms",  "result"};

// One line ending in "\n": a JSON object with the record's fields (JSONL), or a CSV record whose `result`
// column holds the result's JSON.
std::string format_record(const ItemRecord& record, OutputFormat format);
std::string csv_header();

// Not an output file this command wrote (so not one to append to): exit 3.
class OutputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What an existing output file already holds.
struct ExistingOutput {
    std::set<std::string> done;  // items with a complete line
    std::size_t ok = 0;
    std::size_t failed = 0;
    std::uint64_t complete_bytes = 0;  // where the last complete line ends
    bool partial_tail = false;         // bytes after it: a line cut short by a kill
    bool has_header = false;           // CSV
};

// Reads `content` (the whole file). Throws OutputError when a complete line is not one of our records.
ExistingOutput scan_output(const std::string& content, OutputFormat format);

// The output of a batch run, appended to one whole line at a time: each line is a single write() on an
// O_APPEND descriptor, so a kill leaves at most one partial last line, which the next open() cuts off.
// Thread-safe.
class OutputFile {
public:
    // Opens (creating) `path`, reads what is there, cuts a partial last line, writes the CSV header to a new
    // file. With `drop_failed`, failed lines are removed first (rewritten through a temporary file and a rename)
    // so that those items run again. Throws OutputError.
    OutputFile(const std::filesystem::path& path, OutputFormat format, bool drop_failed);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    const ExistingOutput& existing() const { return existing_; }
    // Throws OutputError when the line cannot be written (disk full).
    void append(const ItemRecord& record);

private:
    std::filesystem::path path_;
    OutputFormat format_;
    ExistingOutput existing_;
    std::mutex mutex_;
    int fd_ = -1;
};

}  // namespace vg::cli
