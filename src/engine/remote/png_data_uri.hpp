#pragma once

#include <string>

#include "engine/inference.hpp"

namespace vg::engine {

// The image as a "data:image/png;base64,..." URI for an OpenAI image_url part. PNG because it is lossless: the
// upstream model sees exactly the pixels the local engine would have. Level 1 compression: encoding time is
// paid on every request, and the bytes only cross a LAN. Throws vg::Error "image_encode_failed" (500) when the
// pixels do not match the size or libvips fails. Thread-safe; CPU work (milliseconds per megapixel).
std::string png_data_uri(const ModelImage& image);

}  // namespace vg::engine
