#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "cli/http_transfer.hpp"

namespace vg::cli {

// A download that could not be completed; `exit_code` is one of ExitCode.
class DownloadError : public std::runtime_error {
public:
    DownloadError(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

private:
    int exit_code_;
};

struct DownloadTarget {
    std::string url;
    std::filesystem::path destination;
    std::string sha256;                 // expected, lower-case hex (required)
    std::optional<std::uint64_t> size;  // expected; checked when known
};

struct DownloadOptions {
    int retries = 5;  // further attempts after a broken connection, a stall or a 5xx, each resuming
    std::chrono::milliseconds first_backoff{500};    // doubled after each failed attempt, at most 10 s
    std::chrono::seconds stall_timeout{60};          // under 1 KiB/s for this long counts as a broken connection
    std::FILE* progress = stderr;                    // progress and notes; nullptr: silent
    std::chrono::milliseconds plain_interval{5000};  // between progress lines when not on a terminal
    bool reverify = false;                           // hash a present file even when its checksum stamp is current
};

enum class DownloadOutcome { kDownloaded, kAlreadyPresent };

// Fetches `target.url` into `target.destination`: the bytes go to DESTINATION.part (kept across interruptions
// and resumed with a Range request; a server that answers 200 instead of 206 restarts it, 416 means it is
// already whole), are hashed as they arrive, and the file is renamed into place only once its SHA-256
// matches. On a mismatch the .part is removed. A verified file gets a DESTINATION.sha256 stamp so the next
// call skips it without hashing again. Two concurrent calls for one destination: the second fails.
// Throws DownloadError. Not thread-safe per session.
DownloadOutcome download_file(HttpSession& session, const DownloadTarget& target, const DownloadOptions& options);

// Whether `file` matches `sha256`: a current stamp says so, otherwise the file is hashed (and stamped when it
// matches). `reverify` ignores the stamp.
bool verify_present_file(const std::filesystem::path& file, const std::string& sha256,
                         std::optional<std::uint64_t> size, bool reverify, std::FILE* progress);

// "DESTINATION.part" and "DESTINATION.sha256".
std::filesystem::path partial_path(const std::filesystem::path& destination);
std::filesystem::path stamp_path(const std::filesystem::path& destination);

}  // namespace vg::cli
