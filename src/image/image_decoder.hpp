#pragma once

#include <string_view>

#include "image/decoded_image.hpp"
#include "image/image_config.hpp"

namespace vg::image {

// Turns the bytes a client sent into what the model sees: 8-bit sRGB RGB, upright per EXIF,
// alpha flattened onto white, fitted into config.max_side square (never enlarged).
//
// Accepts JPEG, PNG, WebP, GIF (first frame), BMP and TIFF (first page), recognised by their magic
// bytes. The limits are checked before any pixel is decoded: the encoded size against max_bytes,
// then the header's width x height against max_megapixels, so a decompression bomb costs a header
// parse. Throws ClientError:
//   "empty_image" (400), "image_too_large" (413), "unsupported_image_format" (400, says what the
//   bytes look like), "invalid_image" (400, truncated or corrupt data, says what libvips found).
// Thread-safe: call it from any number of threads at once.
RgbImage decode_for_model(std::string_view bytes, const ImageConfig& config);

}  // namespace vg::image
