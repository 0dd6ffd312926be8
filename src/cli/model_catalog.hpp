#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vg::cli {

// One file of a model as published.
struct ModelFile {
    std::string name;    // the file name, also the last segment of its URL
    std::string role;    // "model" (the language model) or "mmproj" (the vision projector)
    std::uint64_t size;  // bytes as published; 0 when not pinned
    std::string sha256;  // lower-case hex as published; empty when not pinned
};

// A name `visiongrid models pull` knows, and where its files live.
struct CatalogEntry {
    std::string name;
    std::string description;
    std::string base_url;  // files are at base_url + "/" + file name; empty: no public copy (give --base-url)
    std::vector<ModelFile> files;

    const ModelFile* file(std::string_view role) const;
};

// Every entry, the recommended one first. Thread-safe (immutable).
const std::vector<CatalogEntry>& model_catalog();
// nullptr for an unknown name.
const CatalogEntry* find_model(std::string_view name);

}  // namespace vg::cli
