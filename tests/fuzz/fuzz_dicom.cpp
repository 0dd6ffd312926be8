// DICOM decoding (image/dicom_decoder.hpp) with DCMTK, in memory: Part 10 files and bare datasets,
// every transfer syntax DCMTK decodes, windowing, photometric conversions, the pixel limit.
// Input: the file's bytes. Only the documented ClientErrors may come out, and a decoded image must
// be RGB8 inside the box.
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include <vips/vips.h>

#include "core/error.hpp"
#include "image/dicom_decoder.hpp"
#include "image/image_library.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_dicom: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    vg::image::init_image_library();
    vips_concurrency_set(1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::set<std::string> kCodes = {"empty_image", "image_too_large", "dicom_invalid", "dicom_no_pixel_data",
                                                 "dicom_unsupported_transfer_syntax"};
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    vg::image::ImageConfig config;
    config.max_bytes = 256 * 1024;
    config.max_megapixels = 1;
    config.max_side = 48;
    (void)vg::image::looks_like_dicom(bytes);
    try {
        auto dicom = vg::image::decode_dicom(bytes, config);
        const auto& image = dicom.image;
        if (image.width < 1 || image.height < 1 || image.width > config.max_side || image.height > config.max_side) {
            fail("decoded size " + std::to_string(image.width) + "x" + std::to_string(image.height) + " is outside the box");
        }
        if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) fail("pixel buffer is not width*height*3");
        if (static_cast<double>(dicom.info.rows) * dicom.info.columns > config.max_megapixels * 1e6) fail("a frame over the pixel limit was decoded");
    } catch (const vg::ClientError& e) {
        if (!kCodes.contains(e.code())) fail("unexpected error code " + e.code());
    }
    return 0;
}
