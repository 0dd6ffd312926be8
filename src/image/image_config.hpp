#pragma once

#include <cstddef>

#include "core/config_node.hpp"

namespace vg::image {

// Limits and the model's input size; the `image:` config section. Defaults live here only.
struct ImageConfig {
    std::size_t max_bytes = 20 * 1024 * 1024;  // encoded size; config spells it "20MiB"
    double max_megapixels = 50;                // decompression-bomb guard, checked on the header alone
    int max_side = 1024;                       // images are fitted into max_side x max_side for the model
};

// Throws ConfigError naming the key for a limit that is zero, negative or absurd.
ImageConfig parse_image_config(ConfigNode node);

}  // namespace vg::image
