#pragma once

#include <string>
#include <vector>

namespace vg::cli {

// What a batch works through, in order. `key` names the item in the output (and so decides what a resumed
// run skips): a file's path relative to the directory, or a list's line as written.
struct BatchItem {
    std::string key;
    std::string source;  // what to read: a path or an http(s) URL
};

// A directory: every image file in it and below (by extension: jpg, jpeg, png, webp, gif, bmp, tif, tiff,
// dcm), hidden ones skipped, sorted by path. A file: a list, one path or URL per line; blank lines and lines
// starting with # are skipped, relative paths are taken from the working directory (as xargs would),
// repeats are dropped.
// Throws InputError when `source` cannot be read.
std::vector<BatchItem> list_batch_items(const std::string& source);

}  // namespace vg::cli
