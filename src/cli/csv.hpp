#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vg::cli {

// RFC 4180: a field with a comma, a quote, CR or LF is quoted and its quotes doubled; others stay bare.
std::string csv_field(std::string_view value);
// The fields joined with commas, ended by "\n" (one record).
std::string csv_record(const std::vector<std::string>& fields);

// One record read from the front of `text`: its fields and how many bytes it used (its "\n" included).
struct CsvRecord {
    std::vector<std::string> fields;
    std::size_t length = 0;
};
// Nullopt when `text` does not hold a whole record (no line end outside quotes yet: a partial last line).
// Quoted fields may hold line breaks; CRLF ends a record like LF does.
std::optional<CsvRecord> read_csv_record(std::string_view text);

}  // namespace vg::cli
