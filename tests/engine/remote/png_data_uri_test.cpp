#include "engine/remote/png_data_uri.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>
#include <vips/vips8>

#include "core/error.hpp"
#include "image/data_uri.hpp"
#include "image/image_library.hpp"

namespace vg::engine {
namespace {

ModelImage gradient(int width, int height) {
    ModelImage image;
    image.width = width;
    image.height = height;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            // Every pixel different, and channels different from each other, so a swap or shift shows.
            image.rgb.push_back(static_cast<std::uint8_t>(x * 37 + y));
            image.rgb.push_back(static_cast<std::uint8_t>(y * 53 + 1));
            image.rgb.push_back(static_cast<std::uint8_t>((x ^ y) * 11 + 200));
        }
    }
    return image;
}

struct Decoded {
    int width = 0;
    int height = 0;
    int bands = 0;
    std::vector<std::uint8_t> pixels;
};

// Decodes with libvips directly, independent of how the URI was made.
Decoded decode_png(const std::string& bytes) {
    image::init_image_library();
    const vips::VImage png = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "");
    Decoded out{png.width(), png.height(), png.bands(), {}};
    std::size_t size = 0;
    void* memory = png.write_to_memory(&size);
    const auto* begin = static_cast<const std::uint8_t*>(memory);
    out.pixels.assign(begin, begin + size);
    g_free(memory);
    return out;
}

TEST(PngDataUriTest, IsAPngDataUri) {
    const std::string uri = png_data_uri(gradient(3, 2));
    ASSERT_TRUE(uri.starts_with("data:image/png;base64,")) << uri.substr(0, 40);
    const image::DataUri decoded = image::decode_data_uri(uri);
    EXPECT_EQ(decoded.media_type, "image/png");
    EXPECT_EQ(decoded.data.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(PngDataUriTest, DecodesBackToTheSamePixels) {
    const ModelImage image = gradient(17, 9);
    const Decoded png = decode_png(image::decode_data_uri(png_data_uri(image)).data);
    EXPECT_EQ(png.width, 17);
    EXPECT_EQ(png.height, 9);
    EXPECT_EQ(png.bands, 3);
    EXPECT_EQ(png.pixels, image.rgb);
}

TEST(PngDataUriTest, RejectsPixelsThatDoNotMatchTheSize) {
    ModelImage image = gradient(4, 4);
    image.rgb.pop_back();
    try {
        png_data_uri(image);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), "image_encode_failed");
        EXPECT_EQ(e.http_status(), 500);
    }
}

TEST(PngDataUriTest, RejectsAnEmptyImage) {
    EXPECT_THROW(png_data_uri(ModelImage{}), Error);
}

}  // namespace
}  // namespace vg::engine
