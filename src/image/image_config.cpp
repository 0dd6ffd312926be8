#include "image/image_config.hpp"

#include <cmath>
#include <string>

namespace vg::image {
namespace {

// libvips refuses images wider or taller than this, so a bigger box could never be filled.
constexpr int kMaxSideLimit = 10'000'000;

}  // namespace

ImageConfig parse_image_config(ConfigNode node) {
    ImageConfig config;
    ByteSize max_bytes{config.max_bytes};
    node.read("max_bytes", max_bytes);
    if (max_bytes.bytes == 0) node.fail("max_bytes", "must be greater than 0");
    config.max_bytes = max_bytes.bytes;
    node.read("max_megapixels", config.max_megapixels);
    if (!std::isfinite(config.max_megapixels) || config.max_megapixels <= 0) {
        node.fail("max_megapixels", "must be a positive number");
    }
    node.read("max_side", config.max_side);
    if (config.max_side < 1 || config.max_side > kMaxSideLimit) {
        node.fail("max_side",
                  "must be 1.." + std::to_string(kMaxSideLimit) + ", got " + std::to_string(config.max_side));
    }
    node.finish();
    return config;
}

}  // namespace vg::image
