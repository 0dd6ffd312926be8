#include "engine/remote/png_data_uri.hpp"

#include <cstddef>
#include <memory>
#include <vips/vips8>

#include "core/error.hpp"
#include "image/base64.hpp"
#include "image/image_library.hpp"

namespace vg::engine {
namespace {

constexpr int kPngCompression = 1;

struct BlobUnref {
    void operator()(VipsBlob* blob) const { vips_area_unref(VIPS_AREA(blob)); }
};

Error encode_error(const std::string& message) {
    return Error("image_encode_failed", "could not encode the image as PNG: " + message, 500);
}

}  // namespace

std::string png_data_uri(const ModelImage& image) {
    const auto expected = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3;
    if (image.width <= 0 || image.height <= 0 || image.rgb.size() != expected) {
        throw encode_error(std::to_string(image.width) + "x" + std::to_string(image.height) + " RGB needs " +
                           std::to_string(expected) + " bytes, got " + std::to_string(image.rgb.size()));
    }
    image::init_image_library();
    std::unique_ptr<VipsBlob, BlobUnref> blob;
    try {
        // new_from_memory wraps without copying and only reads; its signature just predates const.
        const vips::VImage pixels =
            vips::VImage::new_from_memory(const_cast<std::uint8_t*>(image.rgb.data()), image.rgb.size(), image.width,
                                          image.height, 3, VIPS_FORMAT_UCHAR);
        blob.reset(pixels.pngsave_buffer(vips::VImage::option()->set("compression", kPngCompression)));
    } catch (const vips::VError& e) {
        throw encode_error(image::take_vips_error(e.what()));
    }
    std::size_t size = 0;
    const void* data = vips_blob_get(blob.get(), &size);
    return "data:image/png;base64," + image::encode_base64(std::string_view(static_cast<const char*>(data), size));
}

}  // namespace vg::engine
