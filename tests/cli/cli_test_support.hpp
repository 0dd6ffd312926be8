#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/fake_upstream.hpp"

namespace vg::test {

// A fresh directory under the system temp dir, removed with everything in it by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);
// SHA-256 as lower-case hex, straight from OpenSSL (not the code under test).
std::string sha256_hex(const std::string& bytes);
// Bytes no compressor or cache could fake: a simple generator seeded per test.
std::string random_bytes(std::size_t size, std::uint32_t seed);
// A port on 127.0.0.1 that nothing listens on (bound, then closed).
unsigned short closed_port();

// A static file server for download tests, on a FakeUpstream: GET with Range support (206 with
// Content-Range, 416 past the end), optional faults, every request recorded. Thread-safe.
class TestFileServer {
public:
    TestFileServer();

    // Serves `content` at `path` ("/models/a.gguf").
    void add(const std::string& path, std::string content);
    // The next GET of `path` announces the whole length, sends `bytes` of the body and closes the connection.
    void cut_next(const std::string& path, std::size_t bytes);
    // Answer Range requests with 200 and the whole file, as a server without range support does.
    void ignore_ranges(bool ignore);
    std::string url(const std::string& path) const { return upstream_.url(path); }
    // The requests for `path`, in order.
    std::vector<RecordedRequest> requests_for(const std::string& path) const;

private:
    Reply answer(const RecordedRequest& request);

    mutable std::mutex mutex_;
    std::map<std::string, std::string> files_;
    std::map<std::string, std::vector<std::size_t>> cuts_;
    bool ignore_ranges_ = false;
    FakeUpstream upstream_;  // last: its thread calls answer() until it is destroyed
};

}  // namespace vg::test
