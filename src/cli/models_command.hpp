#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/file_download.hpp"
#include "cli/model_catalog.hpp"

namespace vg::cli {

struct PullOptions {
    std::filesystem::path dir;  // where the files go (see default_models_dir)
    std::string base_url;       // empty: the catalogue's; otherwise a mirror or a test server
    DownloadOptions download;
};

// Where a pulled model's files are.
struct ModelPaths {
    std::filesystem::path model;
    std::filesystem::path mmproj;
};

// --dir, else $VISIONGRID_MODELS_DIR, else ${XDG_DATA_HOME:-~/.local/share}/visiongrid/models.
std::filesystem::path default_models_dir();
// --base-url, else $VISIONGRID_MODELS_BASE_URL, else empty (the catalogue's).
std::string default_models_base_url();

// Downloads what is missing of `entry` and verifies every file (see download_file). A base URL other than the
// catalogue's is trusted for checksums: BASE/FILE.sha256, else BASE/SHA256SUMS, else the catalogue's sum.
// Throws DownloadError (with an exit code) or UsageError (no base URL for an entry without a public copy).
ModelPaths pull_model(const CatalogEntry& entry, const PullOptions& options);

// Where `entry`'s files are (or would be) in `dir`.
ModelPaths model_paths(const CatalogEntry& entry, const std::filesystem::path& dir);

// `visiongrid models pull|list ...`; `args` follow the word "models". Returns the exit code.
int run_models_command(const std::vector<std::string>& args);

}  // namespace vg::cli
