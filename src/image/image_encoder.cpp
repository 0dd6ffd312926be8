#include "image/image_encoder.hpp"

#include <vips/vips.h>

#include <stdexcept>

#include "image/image_library.hpp"

namespace vg::image {

std::string encode_png(const RgbImage& image) {
    init_image_library();
    if (image.width <= 0 || image.height <= 0 ||
        image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3) {
        throw std::runtime_error("encode_png: pixel buffer does not match the image size");
    }
    VipsImage* in = vips_image_new_from_memory(image.pixels.data(), image.pixels.size(), image.width, image.height, 3,
                                               VIPS_FORMAT_UCHAR);
    if (!in) throw std::runtime_error("encode_png: " + take_vips_error(""));
    void* buffer = nullptr;
    std::size_t length = 0;
    // Fast compression: the PNG crosses loopback once and is decoded again by the model service.
    const int failed = vips_pngsave_buffer(in, &buffer, &length, "compression", 1, nullptr);
    g_object_unref(in);
    if (failed) throw std::runtime_error("encode_png: " + take_vips_error(""));
    std::string bytes(static_cast<const char*>(buffer), length);
    g_free(buffer);
    return bytes;
}

}  // namespace vg::image
