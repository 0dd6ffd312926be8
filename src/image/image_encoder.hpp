#pragma once

#include <string>

#include "image/decoded_image.hpp"

namespace vg::image {

// PNG bytes of an RGB8 image: how a decoded picture (e.g. a DICOM frame) is handed to the model
// service, which takes files. Lossless, so nothing the model sees differs from what we decoded.
// Throws std::runtime_error when libvips fails. Thread-safe.
std::string encode_png(const RgbImage& image);

}  // namespace vg::image
