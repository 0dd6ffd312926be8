#include "image/pixel_hash.hpp"

#include <xxhash.h>

#include <cstdint>

namespace vg::image {

namespace {

std::string hex_of(XXH128_hash_t hash) {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, hash);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int i = 0; i < 16; ++i) {
        out[2 * i] = kHex[canonical.digest[i] >> 4];
        out[2 * i + 1] = kHex[canonical.digest[i] & 0xF];
    }
    return out;
}

}  // namespace

std::string hash_pixels(const RgbImage& image) {
    // The same bytes in another shape are another image, so the shape is the seed.
    std::uint64_t seed = static_cast<std::uint64_t>(static_cast<std::uint32_t>(image.width)) << 32 |
                         static_cast<std::uint32_t>(image.height);
    return hex_of(XXH3_128bits_withSeed(image.pixels.data(), image.pixels.size(), seed));
}

std::string hash_bytes(std::string_view bytes) { return hex_of(XXH3_128bits(bytes.data(), bytes.size())); }

}  // namespace vg::image
