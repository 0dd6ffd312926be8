#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace vg::cli {

// Incremental SHA-256 (OpenSSL), so a download is hashed as its bytes arrive. Not thread-safe.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::string_view bytes);
    // Lower-case hex of everything given since construction or reset(); resets for the next use.
    std::string hex_digest();
    void reset();

private:
    struct Context;
    std::unique_ptr<Context> context_;
};

// Feeds the first `length` bytes of `path` into `hash`, calling `on_progress(bytes_so_far)` now and then.
// Throws std::runtime_error when the file cannot be read or is shorter.
void hash_file_prefix(const std::filesystem::path& path, std::uintmax_t length, Sha256& hash,
                      const std::function<void(std::uintmax_t)>& on_progress = {});

// The SHA-256 of a whole file, lower-case hex.
std::string sha256_file(const std::filesystem::path& path, const std::function<void(std::uintmax_t)>& on_progress = {});

// True for 64 hex digits (either case).
bool is_sha256_hex(std::string_view text);

}  // namespace vg::cli
