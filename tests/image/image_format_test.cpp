#include "image/image_format.hpp"

#include <gtest/gtest.h>

namespace vg::image {
namespace {

using namespace std::string_literals;

std::string bmp_header(std::uint32_t dib_size) {
    std::string bytes = "BM" + std::string(24, '\0');
    for (int i = 0; i < 4; ++i) bytes[14 + i] = static_cast<char>(dib_size >> (8 * i));
    return bytes;
}

TEST(SniffImageFormatTest, RecognisesEachSignature) {
    EXPECT_EQ(sniff_image_format("\xFF\xD8\xFF\xE0rest"), ImageFormat::kJpeg);
    EXPECT_EQ(sniff_image_format("\x89PNG\r\n\x1A\nrest"), ImageFormat::kPng);
    EXPECT_EQ(sniff_image_format("RIFF\x10\0\0\0WEBPVP8 "s), ImageFormat::kWebp);
    EXPECT_EQ(sniff_image_format("GIF89a..."), ImageFormat::kGif);
    EXPECT_EQ(sniff_image_format("GIF87a..."), ImageFormat::kGif);
    EXPECT_EQ(sniff_image_format(bmp_header(40)), ImageFormat::kBmp);
    EXPECT_EQ(sniff_image_format(bmp_header(124)), ImageFormat::kBmp);
    EXPECT_EQ(sniff_image_format("II*\0rest"s), ImageFormat::kTiff);
    EXPECT_EQ(sniff_image_format("MM\0*rest"s), ImageFormat::kTiff);
    EXPECT_EQ(sniff_image_format("II+\0rest"s), ImageFormat::kTiff);  // BigTIFF
}

TEST(SniffImageFormatTest, RefusesNearMisses) {
    EXPECT_EQ(sniff_image_format(""), std::nullopt);
    EXPECT_EQ(sniff_image_format("\xFF\xD8"), std::nullopt);
    EXPECT_EQ(sniff_image_format("\x89PNG\r\n"), std::nullopt);
    EXPECT_EQ(sniff_image_format("RIFF\x10\0\0\0WAVEfmt "s), std::nullopt);
    EXPECT_EQ(sniff_image_format("GIF90a"), std::nullopt);
    EXPECT_EQ(sniff_image_format(bmp_header(41)), std::nullopt);  // "BM" but no known DIB header
    EXPECT_EQ(sniff_image_format("BM"), std::nullopt);
    EXPECT_EQ(sniff_image_format("II*"), std::nullopt);
}

TEST(BmpSizeTest, ReadsEveryHeaderKind) {
    std::string info = bmp_header(40);
    info[18] = '\x10';
    info[19] = '\x27';  // width 10000
    info[22] = '\x30';
    info[23] = '\xF8';
    info[24] = '\xFF';
    info[25] = '\xFF';  // height -2000: top-down
    auto size = bmp_size(info);
    ASSERT_TRUE(size.has_value());
    EXPECT_EQ(size->width, 10000);
    EXPECT_EQ(size->height, 2000);

    std::string core = bmp_header(12);
    core[18] = '\x20';
    core[19] = '\x03';  // 800
    core[20] = '\x58';
    core[21] = '\x02';  // 600
    size = bmp_size(core);
    ASSERT_TRUE(size.has_value());
    EXPECT_EQ(size->width, 800);
    EXPECT_EQ(size->height, 600);

    EXPECT_FALSE(bmp_size("\x89PNG\r\n\x1A\n0123456789012345678901234").has_value());
}

TEST(FormatNameTest, NamesEveryFormat) {
    EXPECT_EQ(format_name(ImageFormat::kJpeg), "jpeg");
    EXPECT_EQ(format_name(ImageFormat::kPng), "png");
    EXPECT_EQ(format_name(ImageFormat::kWebp), "webp");
    EXPECT_EQ(format_name(ImageFormat::kGif), "gif");
    EXPECT_EQ(format_name(ImageFormat::kBmp), "bmp");
    EXPECT_EQ(format_name(ImageFormat::kTiff), "tiff");
}

TEST(DescribeUnsupportedTest, SaysWhatCommonMistakesLookLike) {
    EXPECT_EQ(describe_unsupported(""), "empty input");
    EXPECT_EQ(describe_unsupported("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "SVG/XML");
    EXPECT_EQ(describe_unsupported("\xEF\xBB\xBF  <?xml version=\"1.0\"?><svg/>"), "SVG/XML");
    EXPECT_EQ(describe_unsupported("<?xml version=\"1.0\"?><note/>"), "XML/HTML markup");
    EXPECT_EQ(describe_unsupported("\n<!DOCTYPE html><html></html>"), "HTML");
    EXPECT_EQ(describe_unsupported("<HTML><BODY>"), "HTML");
    EXPECT_EQ(describe_unsupported("%PDF-1.4\n"), "PDF");
    EXPECT_EQ(describe_unsupported("\0\0\0\x1C"
                                   "ftypheic"s),
              "HEIF");
    EXPECT_EQ(describe_unsupported("\0\0\0\x1C"
                                   "ftypavif"s),
              "AVIF");
    EXPECT_EQ(describe_unsupported("{\"error\": \"not found\"}"), "JSON");
    EXPECT_EQ(describe_unsupported("iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"), "base64 text (encoded twice?)");
    EXPECT_EQ(describe_unsupported("\x01\x02\x03\x04 binary"), "unrecognised data");
}

}  // namespace
}  // namespace vg::image
