#include "cli/batch_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "cli/csv.hpp"

namespace vg::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string lower_extension(const fs::path& path) {
    std::string extension = path.extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension;
}

// One complete line's item and status, or nullopt when it is not one of ours.
struct LineFacts {
    std::string item;
    std::string status;
};

std::optional<LineFacts> jsonl_facts(std::string_view line) {
    auto object = json::parse(line, nullptr, false);
    if (!object.is_object() || !object.contains("item") || !object["item"].is_string() || !object.contains("status") ||
        !object["status"].is_string()) {
        return std::nullopt;
    }
    return LineFacts{object["item"].get<std::string>(), object["status"].get<std::string>()};
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return std::move(buffer).str();
}

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

// Walks the complete lines (records) of `content`, calling `each(text, facts)`; returns where they end.
template <class Each>
std::uint64_t for_each_line(const std::string& content, OutputFormat format, Each each) {
    std::size_t offset = 0;
    std::size_t number = 0;
    while (offset < content.size()) {
        const std::string_view rest = std::string_view(content).substr(offset);
        std::optional<LineFacts> facts;
        std::size_t length = 0;
        bool header = false;
        if (format == OutputFormat::kJsonl) {
            const auto end = rest.find('\n');
            if (end == std::string_view::npos) break;
            length = end + 1;
            if (rest.substr(0, end).find_first_not_of(" \t\r") != std::string_view::npos)
                facts = jsonl_facts(rest.substr(0, end));
            else
                facts = LineFacts{};  // a blank line: harmless
        } else {
            auto record = read_csv_record(rest);
            if (!record) break;
            length = record->length;
            header = number == 0;
            if (header) {
                if (rest.substr(0, length) != csv_header()) {
                    throw OutputError("its first line is not the CSV header this command writes");
                }
            } else if (record->fields.size() == std::size(kCsvColumns)) {
                facts = LineFacts{record->fields[0], record->fields[1]};
            }
        }
        ++number;
        if (!header && !facts) throw OutputError("line " + std::to_string(number) + " is not a batch result");
        each(rest.substr(0, length), header ? std::optional<LineFacts>() : facts, header);
        offset += length;
    }
    return offset;
}

}  // namespace

OutputFormat output_format_for(const fs::path& path) {
    return lower_extension(path) == ".csv" ? OutputFormat::kCsv : OutputFormat::kJsonl;
}

std::string csv_header() {
    return csv_record(std::vector<std::string>(std::begin(kCsvColumns), std::end(kCsvColumns)));
}

std::string format_record(const ItemRecord& record, OutputFormat format) {
    const std::string result =
        record.result.is_null() ? "" : record.result.dump(-1, ' ', false, json::error_handler_t::replace);
    if (format == OutputFormat::kCsv) {
        return csv_record({record.item, record.status, std::to_string(record.http_status), record.error_code,
                           record.error_message, record.id, std::to_string(record.latency_ms), result});
    }
    json line = {{"item", record.item}, {"status", record.status}, {"http_status", record.http_status}};
    if (!record.id.empty()) line["id"] = record.id;
    if (record.status == "ok") {
        line["result"] = record.result;
    } else {
        line["error"] = {{"code", record.error_code}, {"message", record.error_message}};
    }
    line["latency_ms"] = record.latency_ms;
    return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

ExistingOutput scan_output(const std::string& content, OutputFormat format) {
    ExistingOutput existing;
    existing.complete_bytes =
        for_each_line(content, format, [&](std::string_view, const std::optional<LineFacts>& facts, bool header) {
            if (header) {
                existing.has_header = true;
                return;
            }
            if (!facts || facts->item.empty()) return;
            if (!existing.done.insert(facts->item).second) return;
            (facts->status == "ok" ? existing.ok : existing.failed) += 1;
        });
    existing.partial_tail = existing.complete_bytes < content.size();
    return existing;
}

OutputFile::OutputFile(const fs::path& path, OutputFormat format, bool drop_failed) : path_(path), format_(format) {
    std::string content = read_all(path);
    try {
        existing_ = scan_output(content, format);
    } catch (const OutputError& e) {
        throw OutputError(path.string() + " is not a batch output file to resume (" + e.what() +
                          "); choose another --out");
    }
    if (drop_failed && existing_.failed > 0) {
        // Keep the complete lines of items that succeeded; the failed ones run again.
        std::string kept;
        for_each_line(content, format, [&](std::string_view line, const std::optional<LineFacts>& facts, bool header) {
            if (header || (facts && facts->status == "ok")) kept.append(line);
        });
        const fs::path temporary = path.string() + ".tmp";
        {
            std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
            out << kept;
            if (!out) throw OutputError("cannot write " + temporary.string());
        }
        fs::rename(temporary, path);
        content = std::move(kept);
        existing_ = scan_output(content, format);
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw OutputError("cannot open " + path.string() + ": " + std::strerror(errno));
    if (existing_.partial_tail) {
        // The line a kill cut short: its item was not recorded, so it runs again.
        if (::ftruncate(fd_, static_cast<off_t>(existing_.complete_bytes)) != 0) {
            throw OutputError("cannot cut the partial last line of " + path.string() + ": " + std::strerror(errno));
        }
    }
    if (format_ == OutputFormat::kCsv && !existing_.has_header) {
        if (!write_all(fd_, csv_header()))
            throw OutputError("cannot write " + path.string() + ": " + std::strerror(errno));
        existing_.has_header = true;
    }
}

OutputFile::~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
}

void OutputFile::append(const ItemRecord& record) {
    const std::string line = format_record(record, format_);
    std::lock_guard lock(mutex_);
    if (!write_all(fd_, line)) throw OutputError("cannot write " + path_.string() + ": " + std::strerror(errno));
}

}  // namespace vg::cli
