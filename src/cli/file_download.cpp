#include "cli/file_download.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include "cli/exit_codes.hpp"
#include "cli/progress_bar.hpp"
#include "cli/sha256.hpp"

namespace vg::cli {

namespace {

namespace fs = std::filesystem;

// The partial file, open and locked for as long as this download runs.
class PartFile {
public:
    explicit PartFile(const fs::path& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw DownloadError("cannot open " + path.string() + ": " + std::strerror(errno), kExitFailure);
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw DownloadError("another visiongrid is downloading " + path.string() + " right now", kExitFailure);
        }
    }
    ~PartFile() { close(); }
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    std::uint64_t size() const {
        struct stat info {};
        if (::fstat(fd_, &info) != 0) throw DownloadError("cannot stat " + path_.string(), kExitFailure);
        return static_cast<std::uint64_t>(info.st_size);
    }
    void truncate() {
        if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) < 0) {
            throw DownloadError("cannot truncate " + path_.string() + ": " + std::strerror(errno), kExitFailure);
        }
    }
    void seek_end() { ::lseek(fd_, 0, SEEK_END); }
    bool write_all(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
            if (written < 0 && errno == EINTR) continue;
            if (written <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(written));
        }
        return true;
    }
    void sync() {
        if (::fsync(fd_) != 0)
            throw DownloadError("cannot flush " + path_.string() + ": " + std::strerror(errno), kExitFailure);
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    fs::path path_;
    int fd_ = -1;
};

// "bytes 100-199/1000" or "bytes */1000" (RFC 9110 §14.4).
struct ContentRange {
    std::optional<std::uint64_t> first;
    std::optional<std::uint64_t> total;
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<ContentRange> parse_content_range(const std::optional<std::string>& header) {
    if (!header || !header->starts_with("bytes ")) return std::nullopt;
    std::string_view rest = std::string_view(*header).substr(6);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    ContentRange range;
    if (rest.substr(slash + 1) != "*") range.total = parse_number(rest.substr(slash + 1));
    const std::string_view span = rest.substr(0, slash);
    if (span != "*") {
        const auto dash = span.find('-');
        if (dash == std::string_view::npos) return std::nullopt;
        range.first = parse_number(span.substr(0, dash));
        if (!range.first) return std::nullopt;
    }
    return range;
}

std::optional<std::uint64_t> content_length(const HttpResponse& head) {
    auto value = head.header("Content-Length");
    return value ? parse_number(*value) : std::nullopt;
}

std::uint64_t free_space(const fs::path& directory) {
    struct statvfs info {};
    if (::statvfs(directory.c_str(), &info) != 0) return UINT64_MAX;  // unknown: let the write fail instead
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

void sync_directory(const fs::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void write_stamp(const fs::path& file, const std::string& sha256) {
    const fs::path stamp = stamp_path(file);
    const fs::path temporary = stamp.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << sha256 << "  " << file.filename().string() << "\n";
        if (!out) return;  // only a cache: the next run hashes again
    }
    std::error_code ec;
    fs::rename(temporary, stamp, ec);
}

bool stamp_is_current(const fs::path& file, const std::string& sha256) {
    std::ifstream in(stamp_path(file));
    std::string recorded;
    if (!(in >> recorded) || recorded != sha256) return false;
    std::error_code ec;
    const auto stamp_time = fs::last_write_time(stamp_path(file), ec);
    if (ec) return false;
    const auto file_time = fs::last_write_time(file, ec);
    return !ec && stamp_time >= file_time;
}

void note(std::FILE* out, ProgressReporter* progress, const std::string& text) {
    if (out == nullptr) return;
    if (progress != nullptr) progress->clear();
    std::fprintf(out, "%s\n", text.c_str());
    std::fflush(out);
}

std::string short_body(const std::string& body) {
    std::string text = body.substr(0, 200);
    for (char& c : text) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return text;
}

}  // namespace

fs::path partial_path(const fs::path& destination) {
    return destination.string() + ".part";
}
fs::path stamp_path(const fs::path& destination) {
    return destination.string() + ".sha256";
}

bool verify_present_file(const fs::path& file, const std::string& sha256, std::optional<std::uint64_t> size,
                         bool reverify, std::FILE* progress_out) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return false;
    const auto present = fs::file_size(file, ec);
    if (ec || (size && present != *size)) return false;
    if (!reverify && stamp_is_current(file, sha256)) return true;
    std::unique_ptr<ProgressReporter> progress;
    if (progress_out != nullptr) {
        progress = std::make_unique<ProgressReporter>(progress_out, "verifying " + file.filename().string(), present,
                                                      ProgressUnit::kBytes);
    }
    const std::string actual = sha256_file(file, [&](std::uintmax_t done) {
        if (progress) progress->update(done);
    });
    if (progress) progress->finish();
    if (actual != sha256) return false;
    write_stamp(file, sha256);
    return true;
}

DownloadOutcome download_file(HttpSession& session, const DownloadTarget& target, const DownloadOptions& options) {
    const std::string name = target.destination.filename().string();
    if (verify_present_file(target.destination, target.sha256, target.size, options.reverify, options.progress)) {
        return DownloadOutcome::kAlreadyPresent;
    }
    if (fs::exists(target.destination)) {
        note(options.progress, nullptr, name + ": present but does not match its checksum; downloading it again");
    }
    if (!target.destination.parent_path().empty()) fs::create_directories(target.destination.parent_path());
    const fs::path part_path = partial_path(target.destination);
    PartFile part(part_path);
    Sha256 hash;
    std::uint64_t offset = part.size();
    if (target.size && offset > *target.size) {
        part.truncate();
        offset = 0;
    }
    if (offset > 0) {
        // The bytes already here count towards the checksum: hash them once before appending.
        note(options.progress, nullptr, name + ": resuming at " + format_bytes(offset));
        hash_file_prefix(part_path, offset, hash);
    }
    part.seek_end();

    std::unique_ptr<ProgressReporter> progress;
    if (options.progress != nullptr) {
        progress = std::make_unique<ProgressReporter>(options.progress, name, target.size, ProgressUnit::kBytes,
                                                      options.plain_interval);
        progress->rebase(offset);
    }
    const fs::path directory =
        target.destination.parent_path().empty() ? fs::path(".") : target.destination.parent_path();
    auto restart = [&] {
        part.truncate();
        hash.reset();
        offset = 0;
        if (progress) progress->rebase(0);
    };

    auto backoff = options.first_backoff;
    for (int attempt = 0;; ++attempt) {
        HttpRequest request;
        request.url = target.url;
        request.connect_timeout = std::chrono::seconds(15);
        request.low_speed_bytes = 1024;
        request.low_speed_time = options.stall_timeout;
        if (offset > 0) request.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");

        long status = 0;
        std::string problem;                 // a reason to start over, found while the answer arrived
        std::optional<DownloadError> fatal;  // a reason to stop at once
        std::string error_body;
        auto on_start = [&](const HttpResponse& head) {
            status = head.status;
            std::optional<std::uint64_t> total;
            if (status == 206) {
                auto range = parse_content_range(head.header("Content-Range"));
                if (!range || range->first != offset) {
                    problem = "the server sent another range than the one asked for";
                    return false;
                }
                total = range->total;
            } else if (status == 200) {
                if (offset > 0) {
                    note(options.progress, progress.get(),
                         name + ": the server does not resume downloads; starting over");
                    try {
                        restart();
                    } catch (const DownloadError& e) {
                        fatal.emplace(e);  // never let an exception cross libcurl
                        return false;
                    }
                }
                total = content_length(head);
            } else {
                return true;  // an error answer: its body is read below for the message
            }
            if (target.size && total && *total != *target.size) {
                fatal.emplace(name + " is " + std::to_string(*total) + " bytes on the server, not the " +
                                  std::to_string(*target.size) + " expected (a different file?)",
                              kExitChecksumMismatch);
                return false;
            }
            if (total && *total > offset && free_space(directory) < *total - offset) {
                fatal.emplace("not enough disk space in " + directory.string() + " for " + name + ": " +
                                  format_bytes(*total - offset) + " needed, " + format_bytes(free_space(directory)) +
                                  " free",
                              kExitFailure);
                return false;
            }
            if (progress && !target.size && total) progress->set_total(total);
            return true;
        };
        auto sink = [&](std::string_view bytes) {
            if (status != 200 && status != 206) {
                if (error_body.size() < 4096) error_body.append(bytes);
                return true;
            }
            if (!part.write_all(bytes)) {
                fatal.emplace("cannot write " + part_path.string() + ": " + std::strerror(errno), kExitFailure);
                return false;
            }
            hash.update(bytes);
            offset += bytes.size();
            if (progress) progress->update(offset);
            return true;
        };
        const HttpResponse response = session.perform(request, on_start, sink);
        if (fatal) throw *fatal;
        if (response.failure == TransferFailure::kUnreachable)
            throw DownloadError(describe_failure(response), kExitUnreachable);

        std::string retry_reason;
        if (!problem.empty()) {
            restart();
            retry_reason = problem;
        } else if (!response.ok()) {
            retry_reason = describe_failure(response);
        } else if (status == 416) {
            auto range = parse_content_range(response.header("Content-Range"));
            if (range && range->total == offset) break;  // the partial file was already whole
            restart();
            retry_reason = "the server refused to resume at that offset (416)";
        } else if (status >= 500) {
            retry_reason = response.host + " answered " + std::to_string(status);
        } else if (status != 200 && status != 206) {
            throw DownloadError(response.host + " answered " + std::to_string(status) + " for " + target.url +
                                    (error_body.empty() ? "" : ": " + short_body(error_body)),
                                status >= 400 && status < 500 ? kExitClientError : kExitServerError);
        } else if (target.size && offset < *target.size) {
            retry_reason = "the transfer ended early at " + format_bytes(offset);
        } else {
            break;
        }
        if (attempt >= options.retries) {
            throw DownloadError(name + ": " + retry_reason + "; gave up after " + std::to_string(attempt + 1) +
                                    " attempts (run the command again to resume at " + format_bytes(offset) + ")",
                                kExitServerError);
        }
        note(options.progress, progress.get(),
             name + ": " + retry_reason + "; retrying in " + std::to_string(backoff.count()) + " ms (attempt " +
                 std::to_string(attempt + 2) + " of " + std::to_string(options.retries + 1) + ")");
        std::this_thread::sleep_for(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(10));
    }
    if (progress) progress->finish();

    const std::string actual = hash.hex_digest();
    if (actual != target.sha256) {
        part.close();
        std::error_code ec;
        fs::remove(part_path, ec);
        throw DownloadError("checksum mismatch for " + name + ": expected sha256 " + target.sha256 + ", got " + actual +
                                " (the download was deleted; run the command again, or check the download source)",
                            kExitChecksumMismatch);
    }
    part.sync();
    fs::rename(part_path, target.destination);
    part.close();
    sync_directory(directory);
    write_stamp(target.destination, target.sha256);
    return DownloadOutcome::kDownloaded;
}

}  // namespace vg::cli
