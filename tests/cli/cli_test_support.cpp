#include "cli_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace vg::test {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vg-cli-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return std::move(buffer).str();
}

void write_file(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

std::string sha256_hex(const std::string& bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
    std::string hex;
    char pair[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(pair, sizeof pair, "%02x", digest[i]);
        hex += pair;
    }
    return hex;
}

std::string random_bytes(std::size_t size, std::uint32_t seed) {
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(generator() & 0xff);
    return bytes;
}

unsigned short closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);  // never listened: connecting is refused
    return ntohs(address.sin_port);
}

TestFileServer::TestFileServer() : upstream_([this](const RecordedRequest& request) { return answer(request); }) {}

void TestFileServer::add(const std::string& path, std::string content) {
    std::lock_guard lock(mutex_);
    files_[path] = std::move(content);
}

void TestFileServer::cut_next(const std::string& path, std::size_t bytes) {
    std::lock_guard lock(mutex_);
    cuts_[path].push_back(bytes);
}

void TestFileServer::ignore_ranges(bool ignore) {
    std::lock_guard lock(mutex_);
    ignore_ranges_ = ignore;
}

std::vector<RecordedRequest> TestFileServer::requests_for(const std::string& path) const {
    std::vector<RecordedRequest> matching;
    for (auto& request : upstream_.requests()) {
        if (request.target == path) matching.push_back(std::move(request));
    }
    return matching;
}

Reply TestFileServer::answer(const RecordedRequest& request) {
    std::lock_guard lock(mutex_);
    auto file = files_.find(request.target);
    if (request.method != "GET") return Reply::respond(405, "GET only");
    if (file == files_.end()) return Reply::respond(404, "not found");
    const std::string& content = file->second;
    std::size_t first = 0;
    bool ranged = false;
    if (auto range = request.headers.get("Range"); range && !ignore_ranges_) {
        // Only the form a resuming client sends: "bytes=N-".
        std::string_view spec = *range;
        if (!spec.starts_with("bytes=") || !spec.ends_with("-")) return Reply::respond(400, "unsupported range");
        spec = spec.substr(6, spec.size() - 7);
        std::from_chars(spec.data(), spec.data() + spec.size(), first);
        if (first >= content.size()) {
            return Reply::respond(416, "").header("Content-Range", "bytes */" + std::to_string(content.size()));
        }
        ranged = true;
    }
    const std::string body = content.substr(first);
    std::string head = ranged ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
    head += "Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n";
    if (ranged) {
        head += "Content-Range: bytes " + std::to_string(first) + "-" + std::to_string(content.size() - 1) + "/" +
                std::to_string(content.size()) + "\r\n";
    }
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    auto cut = cuts_.find(request.target);
    if (cut != cuts_.end() && !cut->second.empty()) {
        const std::size_t bytes = std::min(cut->second.front(), body.size());
        cut->second.erase(cut->second.begin());
        return Reply::raw_bytes(head + body.substr(0, bytes)).then_close();
    }
    return Reply::raw_bytes(head + body);
}

}  // namespace vg::test
