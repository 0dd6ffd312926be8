#include "cli/batch_items.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include "cli/image_input.hpp"

namespace vg::cli {

namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& path) {
    static constexpr std::array<std::string_view, 9> kExtensions = {".jpg", ".jpeg", ".png",  ".webp", ".gif",
                                                                    ".bmp", ".tif",  ".tiff", ".dcm"};
    std::string extension = path.extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::find(kExtensions.begin(), kExtensions.end(), extension) != kExtensions.end();
}

bool is_hidden(const fs::path& relative) {
    for (const auto& part : relative) {
        if (part.string().starts_with(".")) return true;
    }
    return false;
}

std::vector<BatchItem> from_directory(const fs::path& directory) {
    std::vector<BatchItem> items;
    std::error_code ec;
    fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw InputError("cannot read the directory " + directory.string() + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) throw InputError("cannot read the directory " + directory.string() + ": " + ec.message());
        const fs::path relative = it->path().lexically_relative(directory);
        if (is_hidden(relative)) {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file(ec) || !is_image_name(it->path())) continue;
        items.push_back({relative.generic_string(), it->path().string()});
    }
    std::sort(items.begin(), items.end(), [](const BatchItem& a, const BatchItem& b) { return a.key < b.key; });
    return items;
}

std::vector<BatchItem> from_list(const fs::path& list) {
    std::ifstream in(list);
    if (!in) throw InputError("cannot read the list " + list.string());
    std::vector<BatchItem> items;
    std::set<std::string> seen;
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        line.erase(0, first);
        if (!seen.insert(line).second) continue;
        items.push_back({line, line});
    }
    if (in.bad()) throw InputError("cannot read the list " + list.string());
    return items;
}

}  // namespace

std::vector<BatchItem> list_batch_items(const std::string& source) {
    std::error_code ec;
    if (fs::is_directory(source, ec)) return from_directory(source);
    if (!fs::exists(source, ec)) throw InputError(source + " does not exist");
    return from_list(source);
}

}  // namespace vg::cli
