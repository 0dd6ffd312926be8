#pragma once

#include <stdexcept>
#include <string>

#include "cli/http_transfer.hpp"

namespace vg::cli {

// An image (or DICOM file) that cannot be read: exit code 3.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ImageInput {
    std::string bytes;
    std::string media_type;  // sniffed from the bytes: image/jpeg, image/png, ..., application/dicom
};

// True for http:// and https:// references.
bool is_url(const std::string& reference);

// Reads a file, or downloads an http(s) URL (at most 64 MiB) through `session`. Throws InputError.
ImageInput load_image(const std::string& reference, HttpSession& session);

// The media type the bytes are, by their magic number; application/octet-stream when unknown.
std::string sniff_media_type(const std::string& bytes);

// "data:<media type>;base64,<bytes>".
std::string data_uri(const ImageInput& image);

}  // namespace vg::cli
