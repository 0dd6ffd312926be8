// Image decoding for the model (image/image_decoder.hpp): every accepted format (JPEG, PNG, WebP,
// GIF, BMP, TIFF) through format sniffing, the header-only bomb guard, libvips' loaders, EXIF
// orientation, colour conversion and fitting. Limits are small so that each input stays cheap.
// Input: the file's bytes. Only the documented ClientErrors may come out, and a decoded image must
// be what the model is promised: RGB8, inside the box, no larger than the original.
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include <vips/vips.h>

#include "core/error.hpp"
#include "image/image_decoder.hpp"
#include "image/image_format.hpp"
#include "image/image_library.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_image_decode: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    vg::image::init_image_library();
    vips_concurrency_set(1);  // one worker: inputs are tiny, and threads only blur the coverage
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::set<std::string> kCodes = {"empty_image", "image_too_large", "unsupported_image_format", "invalid_image"};
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    vg::image::ImageConfig config;
    config.max_bytes = 256 * 1024;
    config.max_megapixels = 1;
    config.max_side = 48;
    (void)vg::image::sniff_image_format(bytes);
    try {
        auto image = vg::image::decode_for_model(bytes, config);
        if (image.width < 1 || image.height < 1 || image.width > config.max_side || image.height > config.max_side) {
            fail("decoded size " + std::to_string(image.width) + "x" + std::to_string(image.height) + " is outside the box");
        }
        if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) fail("pixel buffer is not width*height*3");
        if (image.original_width < image.width || image.original_height < image.height) fail("the image was enlarged");
        if (static_cast<double>(image.original_width) * image.original_height > config.max_megapixels * 1e6) {
            fail("an image over the pixel limit was decoded");
        }
    } catch (const vg::ClientError& e) {
        if (!kCodes.contains(e.code())) fail("unexpected error code " + e.code());
    }
    return 0;
}
