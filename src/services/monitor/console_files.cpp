#include "services/monitor/console_files.hpp"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace vg::services::monitor {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 32u * 1024 * 1024;

std::string etag_of(const std::string& content) {
    std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64
    for (char c : content) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    char text[24];
    std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
    return text;
}

// True when If-None-Match names `etag` (weak or strong) or is "*".
bool matches(std::string_view if_none_match, const std::string& etag) {
    return if_none_match.find('*') != std::string_view::npos || if_none_match.find(etag) != std::string_view::npos;
}

bool within(const fs::path& root, const fs::path& path) {
    auto r = root.begin();
    auto p = path.begin();
    for (; r != root.end(); ++r, ++p) {
        if (p == path.end() || *r != *p) return false;
    }
    return true;
}

net::Response not_found(const net::Request& request) {
    return net::Response::error(404, "not_found", "no such file in the console", request.request_id);
}

}  // namespace

ConsoleFiles::ConsoleFiles(fs::path root) : root_(std::move(root)) {}

bool ConsoleFiles::available() const {
    std::error_code ec;
    return !root_.empty() && fs::is_directory(root_, ec);
}

net::Response ConsoleFiles::serve(std::string_view relative, const net::Request& request) const {
    if (relative.find('\\') != std::string_view::npos || relative.find('\0') != std::string_view::npos) {
        return net::Response::error(400, "invalid_path", "the path contains a backslash or a NUL", request.request_id);
    }
    fs::path path;
    std::size_t start = 0;
    while (start <= relative.size()) {
        std::size_t slash = relative.find('/', start);
        if (slash == std::string_view::npos) slash = relative.size();
        std::string_view segment = relative.substr(start, slash - start);
        if (segment == ".." || segment == ".") {
            return net::Response::error(400, "invalid_path", "'.' and '..' are not allowed in a path",
                                        request.request_id);
        }
        if (!segment.empty()) path /= std::string(segment);
        start = slash + 1;
    }
    if (!available()) {
        return net::Response::error(404, "console_not_found",
                                    "the web console's files are not installed (set monitor.console.dir)",
                                    request.request_id);
    }
    if (relative.empty() || relative.ends_with('/')) path /= "index.html";
    std::error_code ec;
    const fs::path root = fs::canonical(root_, ec);
    if (ec) return not_found(request);
    const fs::path file = fs::weakly_canonical(root / path, ec);
    if (ec || !within(root, file) || !fs::is_regular_file(file, ec)) return not_found(request);
    const auto size = fs::file_size(file, ec);
    if (ec || size > kMaxFileBytes) return not_found(request);
    std::ifstream in(file, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return not_found(request);

    const std::string etag = etag_of(content);
    net::Response response;
    if (matches(request.header("If-None-Match"), etag)) {
        response.status = 304;
    } else {
        response.status = 200;
        response.body = std::move(content);
        response.headers.set("Content-Type", std::string(content_type_for(file)));
    }
    response.headers.set("ETag", etag);
    response.headers.set("Cache-Control", "no-cache");
    response.headers.set("X-Content-Type-Options", "nosniff");
    return response;
}

fs::path find_console_dir(const std::string& configured, const fs::path& executable) {
    if (!configured.empty()) return configured;
    std::error_code ec;
    const fs::path bin = executable.parent_path();
    const fs::path installed = bin / ".." / "share" / "visiongrid" / "console";
    if (fs::is_directory(installed, ec)) return fs::canonical(installed, ec);
    for (fs::path dir = bin; !dir.empty(); dir = dir.parent_path()) {
        const fs::path candidate = dir / "web" / "console";
        if (fs::is_directory(candidate, ec)) return candidate;
        if (dir == dir.parent_path()) break;
    }
#ifdef VG_CONSOLE_SOURCE_DIR
    if (fs::is_directory(VG_CONSOLE_SOURCE_DIR, ec)) return VG_CONSOLE_SOURCE_DIR;
#endif
    return {};
}

std::string_view content_type_for(const fs::path& file) {
    static const std::pair<const char*, const char*> kTypes[] = {{".html", "text/html; charset=utf-8"},
                                                                 {".css", "text/css; charset=utf-8"},
                                                                 {".js", "text/javascript; charset=utf-8"},
                                                                 {".mjs", "text/javascript; charset=utf-8"},
                                                                 {".json", "application/json"},
                                                                 {".map", "application/json"},
                                                                 {".svg", "image/svg+xml"},
                                                                 {".png", "image/png"},
                                                                 {".jpg", "image/jpeg"},
                                                                 {".jpeg", "image/jpeg"},
                                                                 {".gif", "image/gif"},
                                                                 {".webp", "image/webp"},
                                                                 {".ico", "image/x-icon"},
                                                                 {".woff2", "font/woff2"},
                                                                 {".woff", "font/woff"},
                                                                 {".txt", "text/plain; charset=utf-8"},
                                                                 {".webmanifest", "application/manifest+json"}};
    std::string extension = file.extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [ext, type] : kTypes) {
        if (extension == ext) return type;
    }
    return "application/octet-stream";
}

}  // namespace vg::services::monitor
