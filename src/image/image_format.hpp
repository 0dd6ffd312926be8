#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vg::image {

// The encoded formats we accept. Everything else is refused before libvips sees it, so none of
// its other loaders (SVG, PDF, ImageMagick's long tail…) is reachable from a request.
enum class ImageFormat { kJpeg, kPng, kWebp, kGif, kBmp, kTiff };

// Recognises a format by its magic bytes alone. Thread-safe.
std::optional<ImageFormat> sniff_image_format(std::string_view bytes);

struct ImageSize {
    std::int64_t width;
    std::int64_t height;
};

// The size a BMP header declares (BITMAPCOREHEADER or BITMAPINFOHEADER and its successors), or
// nullopt when the bytes are not a BMP with a readable header. libvips reads BMP through
// ImageMagick, which decodes the whole image just to report its size, so the pixel limit has to
// be checked on these bytes before libvips is asked anything. Thread-safe.
std::optional<ImageSize> bmp_size(std::string_view bytes);

// "jpeg", "png", "webp", "gif", "bmp", "tiff".
std::string_view format_name(ImageFormat format);

// For error messages about bytes sniff_image_format refused: what they look like ("SVG/XML",
// "HTML", "PDF", "HEIF/AVIF", "empty input", …) or "unrecognised data". Thread-safe.
std::string describe_unsupported(std::string_view bytes);

}  // namespace vg::image
