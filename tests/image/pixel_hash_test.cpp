#include "image/pixel_hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace vg::image {
namespace {

RgbImage gradient(int width, int height) {
    RgbImage image;
    image.width = width;
    image.height = height;
    image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
    for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return image;
}

TEST(HashPixelsTest, IsThirtyTwoLowerCaseHexDigits) {
    std::string hash = hash_pixels(gradient(4, 3));
    EXPECT_EQ(hash.size(), 32u);
    EXPECT_TRUE(std::all_of(hash.begin(), hash.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    })) << hash;
}

TEST(HashPixelsTest, SamePixelsGiveTheSameHash) {
    RgbImage a = gradient(640, 480);
    RgbImage b = gradient(640, 480);
    b.source_format = "png";  // where the pixels came from is not part of them
    b.original_width = 1280;
    EXPECT_EQ(hash_pixels(a), hash_pixels(b));
}

TEST(HashPixelsTest, OneChangedPixelChangesTheHash) {
    RgbImage a = gradient(640, 480);
    std::set<std::string> hashes{hash_pixels(a)};
    for (std::size_t at : {std::size_t{0}, a.pixels.size() / 2, a.pixels.size() - 1}) {
        RgbImage b = a;
        b.pixels[at] ^= 1;
        hashes.insert(hash_pixels(b));
    }
    EXPECT_EQ(hashes.size(), 4u);
}

TEST(HashPixelsTest, ShapeIsPartOfTheHash) {
    RgbImage wide = gradient(3, 2);
    RgbImage tall = wide;
    tall.width = 2;
    tall.height = 3;  // the same bytes read as another image
    EXPECT_NE(hash_pixels(wide), hash_pixels(tall));
    RgbImage empty;
    RgbImage empty_row = empty;
    empty_row.width = 1;
    EXPECT_NE(hash_pixels(empty), hash_pixels(empty_row));
}

}  // namespace
}  // namespace vg::image

namespace vg::image {
namespace {

TEST(HashBytesTest, SameBytesSameHashOneByteChangedDifferentHash) {
    std::string a(100000, 'x');
    std::string b = a;
    b[54321] = 'y';
    EXPECT_EQ(hash_bytes(a), hash_bytes(std::string(100000, 'x')));
    EXPECT_NE(hash_bytes(a), hash_bytes(b));
    EXPECT_EQ(hash_bytes(a).size(), 32u);
}

}  // namespace
}  // namespace vg::image
