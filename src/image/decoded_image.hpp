#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vg::image {

// What the model sees: 8-bit sRGB, three channels, upright, already fitted to the model's box.
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;  // RGB8, row-major, no padding: width * height * 3 bytes
    std::string source_format;         // "jpeg", "png", "webp", "gif", "bmp", "tiff"
    int original_width = 0;            // the upright (EXIF-rotated) size before fitting
    int original_height = 0;
};

}  // namespace vg::image
