#pragma once

#include <string>
#include <string_view>

#include "image/decoded_image.hpp"

namespace vg::image {

// A 128-bit content hash (XXH3-128) of the pixels and their width and height, as 32 lower-case
// hex digits: the key of the image-embedding cache. Not cryptographic: it only ever compares
// images this service decoded, so collisions would need chance (about 2^-64 at a billion images),
// and a client gains nothing by forging one for its own request. Thread-safe.
std::string hash_pixels(const RgbImage& image);

// The same hash of arbitrary bytes (an encoded image file): recognises a re-sent file before decoding it.
std::string hash_bytes(std::string_view bytes);

}  // namespace vg::image
