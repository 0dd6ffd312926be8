#include "image/image_decoder.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vips/vips8>

#include "core/error.hpp"
#include "image/image_format.hpp"
#include "image/image_library.hpp"

namespace vg::image {
namespace {

using vips::VImage;

// Load options for every libvips open of the bytes. fail_on=error: truncated and corrupt data are
// errors rather than grey bands the model would describe. It goes in the option string because
// libvips 8.14's thumbnail_buffer ignores its own fail_on property. Multi-image formats give the
// first frame (GIF, WebP) or page (TIFF) only; that is libvips' default already, and saying so
// keeps a future default from turning a GIF into a tall strip of frames.
const char* load_options(ImageFormat format) {
    switch (format) {
        case ImageFormat::kGif:
        case ImageFormat::kWebp:
        case ImageFormat::kTiff: return "[fail_on=error,page=0,n=1]";
        default: return "[fail_on=error]";
    }
}

// Loaders we expect libvips to pick for each sniffed format (the "vips-loader" header field).
bool loader_matches(ImageFormat format, std::string_view loader) {
    auto is = [&](std::string_view prefix) { return loader.starts_with(prefix); };
    switch (format) {
        case ImageFormat::kJpeg: return is("jpegload");
        case ImageFormat::kPng: return is("pngload") || is("spngload");
        case ImageFormat::kWebp: return is("webpload");
        case ImageFormat::kGif: return is("gifload");
        case ImageFormat::kBmp: return is("magickload");  // libvips has no BMP loader of its own
        case ImageFormat::kTiff: return is("tiffload");
    }
    return false;
}

std::string megapixels(double pixels) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", pixels / 1e6);
    return text;
}

std::string limit_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

struct Header {
    int upright_width;
    int upright_height;
    bool has_profile;  // an embedded ICC profile
};

// The decompression-bomb guard, on the size a header declares.
void check_pixel_limit(std::int64_t width, std::int64_t height, const ImageConfig& config) {
    if (width <= 0 || height <= 0) throw ClientError("invalid_image", "the image has no pixels (0 width or height)");
    double pixels = static_cast<double>(width) * static_cast<double>(height);
    if (pixels > config.max_megapixels * 1e6) {
        throw ClientError("image_too_large",
                          "image is " + megapixels(pixels) + " MP (" + std::to_string(width) + "x" +
                              std::to_string(height) + "); the limit is " + limit_text(config.max_megapixels) + " MP",
                          413);
    }
}

// Opens the image lazily: libvips reads the header only, so the size is known before any pixel
// is decoded, and a bomb is refused for the price of a header parse. BMP is checked on its own
// header first, since libvips' reader for it (ImageMagick) decodes everything even here.
Header check_header(std::string_view bytes, ImageFormat format, const ImageConfig& config) {
    if (format == ImageFormat::kBmp) {
        if (auto size = bmp_size(bytes)) check_pixel_limit(size->width, size->height, config);
    }
    VImage header = VImage::new_from_buffer(bytes.data(), bytes.size(), load_options(format),
                                            VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    const char* loader = nullptr;
    if (vips_image_get_string(header.get_image(), "vips-loader", &loader) != 0 || !loader_matches(format, loader)) {
        vips_error_clear();
        throw ClientError("unsupported_image_format", "the data starts like " + std::string(format_name(format)) +
                                                          " but is not a " + std::string(format_name(format)) +
                                                          " image libvips accepts");
    }
    int width = header.width();
    int height = header.height();
    check_pixel_limit(width, height, config);
    // EXIF orientations 5..8 turn the image a quarter, so the upright size is transposed.
    int orientation = header.get_typeof(VIPS_META_ORIENTATION) != 0 ? header.get_int(VIPS_META_ORIENTATION) : 1;
    bool has_profile = header.get_typeof(VIPS_META_ICC_NAME) != 0;
    if (orientation >= 5 && orientation <= 8) return {height, width, has_profile};
    return {width, height, has_profile};
}

// vips_area_unref releases the blob; it wraps the caller's bytes without copying or owning them.
struct BlobUnref {
    void operator()(VipsBlob* blob) const { vips_area_unref(VIPS_AREA(blob)); }
};

// libjpeg decodes at 1/2, 1/4 or 1/8 scale in the DCT domain, several times faster than decoding
// every pixel. libvips' thumbnail only does so while leaving the final resize a factor of 2, so a
// 12 MP phone photo (shrink 3.9 to fit 1024) would be decoded whole. Leaving 1.5 takes the 1/2
// scale there and lanczos3 still does the last ~2x: against a lanczos3 resize of the original
// pixels the result is as close as a full decode's (see the decoder test), at half the time.
constexpr double kMinFinalReduce = 1.5;

int jpeg_shrink_factor(const Header& header, int max_side) {
    double shrink = std::max(header.upright_width, header.upright_height) / static_cast<double>(max_side);
    for (int factor : {8, 4, 2}) {
        if (shrink / factor >= kMinFinalReduce) return factor;
    }
    return 1;
}

// Orientation, colour and fitting by libvips' thumbnail, which also shrinks WebP on load. An
// embedded profile (Display P3 from phones, Adobe RGB, CMYK) is transformed to sRGB by lcms.
// Images without one are taken as sRGB and left alone: asking for an sRGB export there would send
// them through XYZ and shift every colour by a few levels for nothing.
VImage load_fitted(std::string_view bytes, ImageFormat format, const Header& header, int max_side) {
    // Built at each call site: the operation that receives a VOption frees it.
    auto fit_options = [&] {
        vips::VOption* options = VImage::option()
                                     ->set("height", max_side)
                                     ->set("size", VIPS_SIZE_DOWN)
                                     ->set("no_rotate", false)
                                     ->set("crop", VIPS_INTERESTING_NONE);
        if (header.has_profile) options->set("export_profile", "srgb");
        return options;
    };
    int factor = format == ImageFormat::kJpeg ? jpeg_shrink_factor(header, max_side) : 1;
    if (factor > 1) {
        VImage shrunk =
            VImage::new_from_buffer(bytes.data(), bytes.size(), load_options(format),
                                    VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("shrink", factor));
        return shrunk.thumbnail_image(max_side, fit_options());
    }
    std::unique_ptr<VipsBlob, BlobUnref> blob(vips_blob_new(nullptr, bytes.data(), bytes.size()));
    return VImage::thumbnail_buffer(blob.get(), max_side, fit_options()->set("option_string", load_options(format)));
}

// Whatever came out of the loader (greyscale, 16-bit, CMYK without a profile, alpha, float TIFF)
// into three 8-bit sRGB bands. The common case, 8-bit sRGB without alpha, passes untouched.
VImage to_srgb8(VImage image) {
    VipsInterpretation space = image.interpretation();
    if (space != VIPS_INTERPRETATION_sRGB || image.format() != VIPS_FORMAT_UCHAR) {
        // Loaders sometimes label pixels loosely (MULTIBAND, FOURIER…); libvips' guess is sounder.
        VipsInterpretation source = vips_image_guess_interpretation(image.get_image());
        image = image.colourspace(VIPS_INTERPRETATION_sRGB, VImage::option()->set("source_space", source));
    }
    if (image.has_alpha()) {
        image = image.flatten(VImage::option()->set("background", std::vector<double>{255, 255, 255}));
    }
    if (image.format() != VIPS_FORMAT_UCHAR) image = image.cast(VIPS_FORMAT_UCHAR);
    if (image.bands() > 3) image = image.extract_band(0, VImage::option()->set("n", 3));
    if (image.bands() == 2) image = image.extract_band(0);
    if (image.bands() == 1) image = VImage::bandjoin({image, image, image});
    return image;
}

// Runs the lazy pipeline straight into the result's vector: no intermediate copy.
std::vector<std::uint8_t> render(const VImage& image) {
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(image.width()) * image.height() * 3);
    VImage target =
        VImage::new_from_memory(pixels.data(), pixels.size(), image.width(), image.height(), 3, VIPS_FORMAT_UCHAR);
    image.write(target);
    return pixels;
}

}  // namespace

RgbImage decode_for_model(std::string_view bytes, const ImageConfig& config) {
    init_image_library();
    if (bytes.empty()) throw ClientError("empty_image", "the image is empty (0 bytes)");
    if (bytes.size() > config.max_bytes) {
        throw ClientError("image_too_large",
                          "image is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                              std::to_string(config.max_bytes) + " bytes",
                          413);
    }
    auto format = sniff_image_format(bytes);
    if (!format) {
        throw ClientError("unsupported_image_format", "unsupported image format: the data looks like " +
                                                          describe_unsupported(bytes) +
                                                          "; send JPEG, PNG, WebP, GIF, BMP or TIFF");
    }
    try {
        Header header = check_header(bytes, *format, config);
        VImage rgb = to_srgb8(load_fitted(bytes, *format, header, config.max_side));
        RgbImage result;
        result.width = rgb.width();
        result.height = rgb.height();
        result.pixels = render(rgb);
        result.source_format = std::string(format_name(*format));
        result.original_width = header.upright_width;
        result.original_height = header.upright_height;
        return result;
    } catch (const vips::VError& e) {
        throw ClientError("invalid_image", "could not decode the " + std::string(format_name(*format)) +
                                               " image: " + take_vips_error(e.what()));
    }
}

}  // namespace vg::image
