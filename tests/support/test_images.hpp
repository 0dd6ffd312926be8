#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>
#include <vips/vips8>

#include "image/decoded_image.hpp"

// Test images are made by libvips in the test itself, so no binary fixtures sit in the repository
// and every expectation below is stated about pixels the test chose.
namespace vg::image::testing {

using Rgb = std::array<int, 3>;

// A w x h image of one colour; the band count and interpretation follow `value`:
// 1 band B_W, 2 B_W + alpha, 3 sRGB, 4 sRGB + alpha (or CMYK when `cmyk`).
vips::VImage solid(int width, int height, const std::vector<double>& value, bool cmyk = false);
// The same at 16 bits per sample (GREY16 / RGB16), values 0..65535.
vips::VImage solid16(int width, int height, const std::vector<double>& value);
// Three bands of independent Gaussian noise around mid-grey: hard to compress, like a photo.
vips::VImage noise(int width, int height);
// Smooth colour ramps, the kind of content where a resize's quality shows as error, not as noise.
vips::VImage gradient(int width, int height);
// `left` colour on the left half, `right` on the right half.
vips::VImage halves(int width, int height, const std::vector<double>& left, const std::vector<double>& right);
// Frames stacked vertically and marked as pages (an animated GIF / multi-page TIFF when saved).
vips::VImage pages(const std::vector<vips::VImage>& frames);

// A valid BMP whose header claims width x height.
std::string bmp_claiming(std::int32_t width, std::int32_t height);
// Encodes with the libvips saver for `suffix` (".jpg", ".png", ".webp", ".gif", ".tif", ".bmp").
std::string encode(const vips::VImage& image, const std::string& suffix);

// A valid PNG whose IHDR claims width x height (CRC recomputed): a bomb that costs nothing to make.
std::string png_claiming(std::uint32_t width, std::uint32_t height);
// A valid JPEG whose SOF claims width x height.
std::string jpeg_claiming(std::uint16_t width, std::uint16_t height);

// The RGB of pixel (x, y).
Rgb pixel_at(const RgbImage& image, int x, int y);
// The raw RGB8 bytes of a 3-band uchar vips image, row-major: the reference a decode is held to.
std::vector<std::uint8_t> raw_pixels(const vips::VImage& image);

}  // namespace vg::image::testing
