#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "net/request.hpp"

namespace vg::services::monitor {

// Serves the web console's static files from one directory: index.html for the directory itself,
// a Content-Type by extension, an ETag (a hash of the content) answered with 304 when the browser
// has it, and Cache-Control: no-cache so a new deployment is picked up at once. Paths with a ".."
// (or ".") segment, a backslash or a NUL are refused with 400; anything resolving outside the
// directory (a symlink out) is 404. Thread-safe: files are read per request.
class ConsoleFiles {
public:
    explicit ConsoleFiles(std::filesystem::path root);

    // `relative`: the percent-decoded path below the console root ("" or "sub/" mean the index).
    net::Response serve(std::string_view relative, const net::Request& request) const;
    const std::filesystem::path& root() const { return root_; }
    bool available() const;  // the directory exists

private:
    std::filesystem::path root_;
};

// The console directory: `configured` when given; else <executable dir>/../share/visiongrid/console
// (an installed binary), else the first web/console found walking up from the executable's directory
// (a build tree inside the repository), else the source tree this was built from. Empty when none exists.
std::filesystem::path find_console_dir(const std::string& configured, const std::filesystem::path& executable);

// "text/html; charset=utf-8" for index.html, …; application/octet-stream for unknown extensions.
std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace vg::services::monitor
