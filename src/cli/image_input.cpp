#include "cli/image_input.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "image/base64.hpp"
#include "image/image_format.hpp"

namespace vg::cli {

bool is_url(const std::string& reference) {
    return reference.starts_with("http://") || reference.starts_with("https://");
}

std::string sniff_media_type(const std::string& bytes) {
    // DICOM Part 10: a 128-byte preamble, then "DICM".
    if (bytes.size() > 132 && bytes.compare(128, 4, "DICM") == 0) return "application/dicom";
    auto format = image::sniff_image_format(bytes);
    if (!format) return "application/octet-stream";
    return "image/" + std::string(image::format_name(*format));
}

ImageInput load_image(const std::string& reference, HttpSession& session) {
    ImageInput image;
    if (is_url(reference)) {
        HttpRequest request;
        request.url = reference;
        request.timeout = std::chrono::seconds(60);
        const HttpResponse response = session.perform(request);
        if (!response.ok()) throw InputError("cannot download " + reference + ": " + describe_failure(response));
        if (response.status != 200)
            throw InputError("cannot download " + reference + ": the server answered " +
                             std::to_string(response.status));
        image.bytes = response.body;
    } else {
        std::error_code ec;
        if (std::filesystem::is_directory(reference, ec)) throw InputError(reference + " is a directory, not an image");
        std::ifstream in(reference, std::ios::binary);
        if (!in) throw InputError("cannot read " + reference + ": " + std::strerror(errno));
        std::ostringstream buffer;
        buffer << in.rdbuf();
        if (in.bad()) throw InputError("cannot read " + reference);
        image.bytes = std::move(buffer).str();
    }
    if (image.bytes.empty()) throw InputError(reference + " is empty");
    image.media_type = sniff_media_type(image.bytes);
    return image;
}

std::string data_uri(const ImageInput& image) {
    return "data:" + image.media_type + ";base64," + image::encode_base64(image.bytes);
}

}  // namespace vg::cli
