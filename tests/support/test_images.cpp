#include "support/test_images.hpp"

#include <glib.h>

#include <stdexcept>

namespace vg::image::testing {
namespace {

using vips::VImage;

VImage with_interpretation(const VImage& image, VipsInterpretation interpretation) {
    return image.copy(VImage::option()->set("interpretation", interpretation));
}

std::uint32_t crc32(const std::string& bytes, std::size_t from, std::size_t to) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = from; i < to; ++i) {
        crc ^= static_cast<unsigned char>(bytes[i]);
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void put_be32(std::string& bytes, std::size_t at, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(value >> (24 - 8 * i));
}

void put_be16(std::string& bytes, std::size_t at, std::uint16_t value) {
    bytes[at] = static_cast<char>(value >> 8);
    bytes[at + 1] = static_cast<char>(value & 0xFF);
}

}  // namespace

VImage solid(int width, int height, const std::vector<double>& value, bool cmyk) {
    VImage image = VImage::black(width, height).new_from_image(value);
    if (cmyk) return with_interpretation(image, VIPS_INTERPRETATION_CMYK);
    return with_interpretation(image, value.size() <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB);
}

VImage solid16(int width, int height, const std::vector<double>& value) {
    VImage image = VImage::black(width, height).cast(VIPS_FORMAT_USHORT).new_from_image(value);
    return with_interpretation(image, value.size() <= 2 ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_RGB16);
}

VImage noise(int width, int height) {
    // One seed per band, or the bands come out equal (grey); rendered once, since libvips' noise
    // depends on how it is tiled and a saver and a reader tile differently.
    auto band = [&](int seed) {
        return VImage::gaussnoise(width, height,
                                  VImage::option()->set("mean", 128.0)->set("sigma", 50.0)->set("seed", seed))
            .cast(VIPS_FORMAT_UCHAR);
    };
    return with_interpretation(VImage::bandjoin({band(1), band(2), band(3)}), VIPS_INTERPRETATION_sRGB).copy_memory();
}

VImage gradient(int width, int height) {
    VImage xyz = VImage::xyz(width, height);
    VImage x = xyz[0] * (255.0 / width);
    VImage y = xyz[1] * (255.0 / height);
    return with_interpretation(VImage::bandjoin({x, y, (x + y) * 0.5}).cast(VIPS_FORMAT_UCHAR),
                               VIPS_INTERPRETATION_sRGB)
        .copy_memory();
}

VImage halves(int width, int height, const std::vector<double>& left, const std::vector<double>& right) {
    return solid(width, height, left).insert(solid(width - width / 2, height, right), width / 2, 0);
}

VImage pages(const std::vector<VImage>& frames) {
    VImage strip = VImage::arrayjoin(frames, VImage::option()->set("across", 1)).copy();
    strip.set("page-height", frames.front().height());
    return strip;
}

std::string encode(const VImage& image, const std::string& suffix) {
    if (suffix == ".bmp") {
        // libvips has no BMP saver of its own; ImageMagick writes it.
        VipsBlob* blob = image.magicksave_buffer(VImage::option()->set("format", "bmp"));
        std::size_t size = 0;
        const void* data = vips_blob_get(blob, &size);
        std::string bytes(static_cast<const char*>(data), size);
        vips_area_unref(VIPS_AREA(blob));
        return bytes;
    }
    void* buffer = nullptr;
    std::size_t size = 0;
    image.write_to_buffer(suffix.c_str(), &buffer, &size);
    std::string bytes(static_cast<const char*>(buffer), size);
    g_free(buffer);
    return bytes;
}

std::string png_claiming(std::uint32_t width, std::uint32_t height) {
    std::string png = encode(solid(8, 8, {0, 0, 0}), ".png");
    // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC of type+data.
    if (png.substr(12, 4) != "IHDR") throw std::runtime_error("unexpected PNG layout");
    put_be32(png, 16, width);
    put_be32(png, 20, height);
    put_be32(png, 29, crc32(png, 12, 29));
    return png;
}

std::string jpeg_claiming(std::uint16_t width, std::uint16_t height) {
    std::string jpeg = encode(solid(8, 8, {0, 0, 0}), ".jpg");
    // SOF0: FF C0, length (2), precision (1), height (2), width (2).
    std::size_t sof = jpeg.find("\xFF\xC0");
    if (sof == std::string::npos) throw std::runtime_error("no baseline SOF in JPEG");
    put_be16(jpeg, sof + 5, height);
    put_be16(jpeg, sof + 7, width);
    return jpeg;
}

std::string bmp_claiming(std::int32_t width, std::int32_t height) {
    std::string bmp = encode(solid(8, 8, {0, 0, 0}), ".bmp");
    // BITMAPINFOHEADER from offset 14: size (4), width (4, little-endian), height (4).
    for (int i = 0; i < 4; ++i) {
        bmp[18 + i] = static_cast<char>(static_cast<std::uint32_t>(width) >> (8 * i));
        bmp[22 + i] = static_cast<char>(static_cast<std::uint32_t>(height) >> (8 * i));
    }
    return bmp;
}

Rgb pixel_at(const RgbImage& image, int x, int y) {
    std::size_t at = (static_cast<std::size_t>(y) * image.width + x) * 3;
    return {image.pixels.at(at), image.pixels.at(at + 1), image.pixels.at(at + 2)};
}

std::vector<std::uint8_t> raw_pixels(const VImage& image) {
    std::size_t size = 0;
    void* memory = image.write_to_memory(&size);
    std::vector<std::uint8_t> pixels(static_cast<std::uint8_t*>(memory), static_cast<std::uint8_t*>(memory) + size);
    g_free(memory);
    return pixels;
}

}  // namespace vg::image::testing
