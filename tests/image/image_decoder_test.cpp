#include "image/image_decoder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <latch>
#include <random>
#include <thread>

#include "image/client_error_capture.hpp"
#include "image/image_library.hpp"
#include "support/test_images.hpp"

namespace vg::image {
namespace {

using testing::encode;
using testing::failure_of;
using testing::pixel_at;
using testing::Rgb;

class ImageDecoderTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_image_library(); }

    RgbImage decode(const std::string& bytes) { return decode_for_model(bytes, config_); }
    testing::Failure decode_failure(const std::string& bytes) {
        return failure_of([&] { decode_for_model(bytes, config_); });
    }

    ImageConfig config_;
};

MATCHER_P2(NearColour, expected, tolerance, "") {
    for (int i = 0; i < 3; ++i) {
        if (std::abs(arg[i] - expected[i]) > tolerance) {
            *result_listener << "is (" << arg[0] << ", " << arg[1] << ", " << arg[2] << ")";
            return false;
        }
    }
    return true;
}

// --- fitting into the model's box -----------------------------------------------------------------

TEST_F(ImageDecoderTest, FitsLandscapeIntoTheBox) {
    RgbImage image = decode(encode(testing::solid(4000, 3000, {10, 20, 30}), ".jpg"));
    EXPECT_EQ(image.width, 1024);
    EXPECT_EQ(image.height, 768);
    EXPECT_EQ(image.pixels.size(), 1024u * 768u * 3u);
    EXPECT_EQ(image.original_width, 4000);
    EXPECT_EQ(image.original_height, 3000);
    EXPECT_EQ(image.source_format, "jpeg");
}

TEST_F(ImageDecoderTest, FitsPortraitIntoTheBox) {
    RgbImage image = decode(encode(testing::solid(1500, 2000, {10, 20, 30}), ".png"));
    EXPECT_EQ(image.width, 768);
    EXPECT_EQ(image.height, 1024);
}

TEST_F(ImageDecoderTest, HonoursAConfiguredBox) {
    config_.max_side = 448;
    RgbImage image = decode(encode(testing::solid(1000, 500, {10, 20, 30}), ".png"));
    EXPECT_EQ(image.width, 448);
    EXPECT_EQ(image.height, 224);
}

TEST_F(ImageDecoderTest, KeepsAnImageThatFitsPixelForPixel) {
    vips::VImage source = testing::noise(640, 480);
    RgbImage image = decode(encode(source, ".png"));
    ASSERT_EQ(image.width, 640);
    ASSERT_EQ(image.height, 480);
    EXPECT_EQ(image.pixels, testing::raw_pixels(source));  // PNG is lossless: nothing may change
}

TEST_F(ImageDecoderTest, NeverUpscales) {
    RgbImage image = decode(encode(testing::solid(100, 50, {10, 20, 30}), ".png"));
    EXPECT_EQ(image.width, 100);
    EXPECT_EQ(image.height, 50);
}

TEST_F(ImageDecoderTest, DecodesASinglePixel) {
    RgbImage image = decode(encode(testing::solid(1, 1, {255, 0, 0}), ".png"));
    ASSERT_EQ(image.width, 1);
    ASSERT_EQ(image.height, 1);
    EXPECT_EQ(pixel_at(image, 0, 0), (Rgb{255, 0, 0}));
}

TEST_F(ImageDecoderTest, KeepsAtLeastOnePixelOfAVeryThinImage) {
    RgbImage wide = decode(encode(testing::solid(20000, 20, {10, 20, 30}), ".png"));
    EXPECT_EQ(wide.width, 1024);
    EXPECT_GE(wide.height, 1);
    EXPECT_LE(wide.height, 2);
    RgbImage tall = decode(encode(testing::solid(20, 20000, {10, 20, 30}), ".png"));
    EXPECT_GE(tall.width, 1);
    EXPECT_LE(tall.width, 2);
    EXPECT_EQ(tall.height, 1024);
    EXPECT_EQ(tall.pixels.size(), static_cast<std::size_t>(tall.width) * tall.height * 3);
}

TEST_F(ImageDecoderTest, ShrinkingAJpegOnLoadKeepsThePictureFaithful) {
    // 4000 x 3000 to 1024 takes libjpeg's 1/2-scale decode; the result must still match a plain
    // lanczos3 resize of the original pixels to within JPEG's own error.
    vips::VImage source = testing::gradient(4000, 3000);
    RgbImage image = decode(encode(source, ".jpg"));
    ASSERT_EQ(image.width, 1024);
    ASSERT_EQ(image.height, 768);
    std::vector<std::uint8_t> reference =
        testing::raw_pixels(source.resize(1024.0 / 4000.0, vips::VImage::option()->set("vscale", 768.0 / 3000.0)));
    ASSERT_EQ(reference.size(), image.pixels.size());
    double total = 0;
    int worst = 0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        int diff = std::abs(int{reference[i]} - int{image.pixels[i]});
        total += diff;
        worst = std::max(worst, diff);
    }
    EXPECT_LT(total / static_cast<double>(reference.size()), 1.0);
    EXPECT_LT(worst, 8);
}

// --- formats --------------------------------------------------------------------------------------

struct FormatCase {
    std::string suffix;
    std::string name;
    int tolerance;  // lossy formats and GIF's palette move colours a little
};

class ImageFormatDecodeTest : public ImageDecoderTest, public ::testing::WithParamInterface<FormatCase> {};

TEST_P(ImageFormatDecodeTest, DecodesSizeAndColour) {
    const FormatCase& format = GetParam();
    RgbImage image = decode(encode(testing::solid(64, 48, {200, 100, 50}), format.suffix));
    EXPECT_EQ(image.source_format, format.name);
    ASSERT_EQ(image.width, 64);
    ASSERT_EQ(image.height, 48);
    EXPECT_THAT(pixel_at(image, 32, 24), NearColour(Rgb{200, 100, 50}, format.tolerance));
}

INSTANTIATE_TEST_SUITE_P(AllFormats, ImageFormatDecodeTest,
                         ::testing::Values(FormatCase{".jpg", "jpeg", 4}, FormatCase{".png", "png", 0},
                                           FormatCase{".webp", "webp", 6}, FormatCase{".gif", "gif", 8},
                                           FormatCase{".tif", "tiff", 0}, FormatCase{".bmp", "bmp", 0}),
                         [](const auto& test) { return test.param.name; });

TEST_F(ImageDecoderTest, TakesTheFirstFrameOfAnAnimatedGif) {
    std::string gif = encode(testing::pages({testing::solid(40, 30, {255, 0, 0}), testing::solid(40, 30, {0, 255, 0}),
                                             testing::solid(40, 30, {0, 0, 255})}),
                             ".gif");
    RgbImage image = decode(gif);
    ASSERT_EQ(image.width, 40);
    ASSERT_EQ(image.height, 30);
    EXPECT_THAT(pixel_at(image, 20, 15), NearColour(Rgb{255, 0, 0}, 8));
}

TEST_F(ImageDecoderTest, TakesTheFirstPageOfAMultiPageTiff) {
    std::string tiff =
        encode(testing::pages({testing::solid(40, 30, {0, 0, 255}), testing::solid(40, 30, {0, 255, 0})}), ".tif");
    RgbImage image = decode(tiff);
    ASSERT_EQ(image.height, 30);
    EXPECT_EQ(pixel_at(image, 20, 15), (Rgb{0, 0, 255}));
}

// --- orientation ----------------------------------------------------------------------------------

std::string jpeg_with_orientation(int orientation) {
    // Stored: red on the left, blue on the right, 400 x 200.
    vips::VImage stored = testing::halves(400, 200, {255, 0, 0}, {0, 0, 255}).copy();
    stored.set(VIPS_META_ORIENTATION, orientation);
    return encode(stored, ".jpg");
}

TEST_F(ImageDecoderTest, Orientation6TurnsClockwise) {
    // Orientation 6: the stored image must turn 90 degrees clockwise, so its left edge becomes the top.
    RgbImage image = decode(jpeg_with_orientation(6));
    ASSERT_EQ(image.width, 200);
    ASSERT_EQ(image.height, 400);
    EXPECT_EQ(image.original_width, 200);
    EXPECT_EQ(image.original_height, 400);
    EXPECT_THAT(pixel_at(image, 100, 50), NearColour(Rgb{255, 0, 0}, 12));
    EXPECT_THAT(pixel_at(image, 100, 350), NearColour(Rgb{0, 0, 255}, 12));
}

TEST_F(ImageDecoderTest, Orientation8TurnsAnticlockwise) {
    RgbImage image = decode(jpeg_with_orientation(8));
    ASSERT_EQ(image.width, 200);
    ASSERT_EQ(image.height, 400);
    EXPECT_THAT(pixel_at(image, 100, 50), NearColour(Rgb{0, 0, 255}, 12));
    EXPECT_THAT(pixel_at(image, 100, 350), NearColour(Rgb{255, 0, 0}, 12));
}

TEST_F(ImageDecoderTest, Orientation3TurnsUpsideDown) {
    RgbImage image = decode(jpeg_with_orientation(3));
    ASSERT_EQ(image.width, 400);
    ASSERT_EQ(image.height, 200);
    EXPECT_THAT(pixel_at(image, 50, 100), NearColour(Rgb{0, 0, 255}, 12));
    EXPECT_THAT(pixel_at(image, 350, 100), NearColour(Rgb{255, 0, 0}, 12));
}

TEST_F(ImageDecoderTest, OrientationAppliesBeforeFitting) {
    vips::VImage stored = testing::solid(2000, 1000, {10, 20, 30}).copy();
    stored.set(VIPS_META_ORIENTATION, 6);
    RgbImage image = decode(encode(stored, ".jpg"));
    EXPECT_EQ(image.width, 512);
    EXPECT_EQ(image.height, 1024);
    EXPECT_EQ(image.original_width, 1000);
    EXPECT_EQ(image.original_height, 2000);
}

TEST_F(ImageDecoderTest, OrientationAppliesWhenShrinkingOnLoad) {
    vips::VImage stored = testing::halves(4000, 2000, {255, 0, 0}, {0, 0, 255}).copy();
    stored.set(VIPS_META_ORIENTATION, 6);
    RgbImage image = decode(encode(stored, ".jpg"));
    ASSERT_EQ(image.width, 512);
    ASSERT_EQ(image.height, 1024);
    EXPECT_THAT(pixel_at(image, 256, 100), NearColour(Rgb{255, 0, 0}, 12));
    EXPECT_THAT(pixel_at(image, 256, 900), NearColour(Rgb{0, 0, 255}, 12));
}

// --- colour: everything becomes 8-bit sRGB RGB ------------------------------------------------------

TEST_F(ImageDecoderTest, ConvertsCmykJpegToRgb) {
    RgbImage no_ink = decode(encode(testing::solid(32, 32, {0, 0, 0, 0}, true), ".jpg"));
    EXPECT_EQ(no_ink.pixels.size(), 32u * 32u * 3u);
    EXPECT_THAT(pixel_at(no_ink, 16, 16), NearColour(Rgb{255, 255, 255}, 12));
    RgbImage all_black = decode(encode(testing::solid(32, 32, {0, 0, 0, 255}, true), ".jpg"));
    EXPECT_THAT(pixel_at(all_black, 16, 16), NearColour(Rgb{30, 30, 30}, 30));  // profiles print black as near-black
    RgbImage cyan = decode(encode(testing::solid(32, 32, {255, 0, 0, 0}, true), ".jpg"));
    Rgb c = pixel_at(cyan, 16, 16);
    EXPECT_LT(c[0], 100) << "cyan ink absorbs red";
    EXPECT_GT(c[2], 150) << "cyan ink reflects blue";
}

TEST_F(ImageDecoderTest, ConvertsAnEmbeddedProfileToSrgb) {
    // sRGB red expressed in Display P3 is about (234, 51, 34) with the P3 profile attached; read
    // without the profile it would stay that orange-red.
    vips::VImage p3 =
        testing::solid(16, 16, {255, 0, 0}).icc_transform("p3", vips::VImage::option()->set("input_profile", "srgb"));
    ASSERT_EQ(p3.getpoint(8, 8)[1] > 20, true) << "the test image must differ from sRGB red";
    RgbImage image = decode(encode(p3, ".png"));
    EXPECT_THAT(pixel_at(image, 8, 8), NearColour(Rgb{255, 0, 0}, 6));
}

TEST_F(ImageDecoderTest, LeavesProfileLessColoursExactlyAlone) {
    RgbImage image = decode(encode(testing::solid(16, 16, {200, 100, 50}), ".png"));
    EXPECT_EQ(pixel_at(image, 8, 8), (Rgb{200, 100, 50}));
}

TEST_F(ImageDecoderTest, ConvertsCmykJpegWithAnEmbeddedProfile) {
    vips::VImage cmyk =
        testing::solid(32, 32, {0, 0, 255}).icc_transform("cmyk", vips::VImage::option()->set("input_profile", "srgb"));
    ASSERT_EQ(cmyk.bands(), 4);
    RgbImage image = decode(encode(cmyk, ".jpg"));
    ASSERT_EQ(image.pixels.size(), 32u * 32u * 3u);
    Rgb c = pixel_at(image, 16, 16);
    EXPECT_GT(c[2], 120) << c[0] << "," << c[1] << "," << c[2];
    EXPECT_LT(c[0], 90) << c[0] << "," << c[1] << "," << c[2];
}

TEST_F(ImageDecoderTest, ConvertsALargeCmykJpegShrunkOnLoad) {
    RgbImage image = decode(encode(testing::solid(2400, 2400, {255, 0, 0, 0}, true), ".jpg"));
    ASSERT_EQ(image.width, 1024);
    ASSERT_EQ(image.pixels.size(), 1024u * 1024u * 3u);
    Rgb c = pixel_at(image, 512, 512);
    EXPECT_LT(c[0], 100) << "cyan ink absorbs red";
    EXPECT_GT(c[2], 150) << "cyan ink reflects blue";
}

TEST_F(ImageDecoderTest, ReducesSixteenBitPngToEightBits) {
    RgbImage image = decode(encode(testing::solid16(16, 16, {65535, 128 * 257, 0}), ".png"));
    EXPECT_EQ(image.pixels.size(), 16u * 16u * 3u);
    EXPECT_THAT(pixel_at(image, 8, 8), NearColour(Rgb{255, 128, 0}, 1));
}

TEST_F(ImageDecoderTest, ExpandsGreyscaleToThreeBands) {
    RgbImage image = decode(encode(testing::solid(16, 16, {77}), ".png"));
    EXPECT_EQ(image.pixels.size(), 16u * 16u * 3u);
    EXPECT_EQ(pixel_at(image, 8, 8), (Rgb{77, 77, 77}));
    RgbImage grey16 = decode(encode(testing::solid16(16, 16, {200 * 257}), ".png"));
    EXPECT_THAT(pixel_at(grey16, 8, 8), NearColour(Rgb{200, 200, 200}, 1));
}

TEST_F(ImageDecoderTest, FlattensAlphaOntoWhite) {
    // Left: opaque red. Right: fully transparent black, which must come out white, not black.
    RgbImage image = decode(encode(testing::halves(64, 32, {255, 0, 0, 255}, {0, 0, 0, 0}), ".png"));
    ASSERT_EQ(image.pixels.size(), 64u * 32u * 3u);
    EXPECT_EQ(pixel_at(image, 10, 16), (Rgb{255, 0, 0}));
    EXPECT_EQ(pixel_at(image, 50, 16), (Rgb{255, 255, 255}));
    RgbImage half = decode(encode(testing::solid(8, 8, {0, 0, 0, 128}), ".png"));
    EXPECT_THAT(pixel_at(half, 4, 4), NearColour(Rgb{127, 127, 127}, 2));
}

TEST_F(ImageDecoderTest, FlattensSixteenBitAlphaAndGreyAlpha) {
    RgbImage rgba16 = decode(encode(testing::solid16(8, 8, {0, 0, 0, 0}), ".png"));
    EXPECT_EQ(pixel_at(rgba16, 4, 4), (Rgb{255, 255, 255}));
    RgbImage grey_alpha = decode(encode(testing::solid(8, 8, {0, 0}), ".png"));
    EXPECT_EQ(pixel_at(grey_alpha, 4, 4), (Rgb{255, 255, 255}));
    RgbImage webp_alpha = decode(encode(testing::solid(8, 8, {0, 0, 255, 0}), ".webp"));
    EXPECT_THAT(pixel_at(webp_alpha, 4, 4), NearColour(Rgb{255, 255, 255}, 2));
}

// --- what is refused ------------------------------------------------------------------------------

TEST_F(ImageDecoderTest, RefusesEmptyInput) {
    testing::Failure failure = decode_failure("");
    EXPECT_EQ(failure.code, "empty_image");
    EXPECT_EQ(failure.http_status, 400);
}

TEST_F(ImageDecoderTest, RefusesMoreBytesThanTheLimit) {
    std::string png = encode(testing::noise(64, 48), ".png");
    config_.max_bytes = png.size() - 1;
    testing::Failure failure = decode_failure(png);
    EXPECT_EQ(failure.code, "image_too_large");
    EXPECT_EQ(failure.http_status, 413);
    config_.max_bytes = png.size();
    EXPECT_EQ(decode(png).width, 64);
}

TEST_F(ImageDecoderTest, RefusesAPngBombFromItsHeader) {
    // 20000 x 20000 claimed by a 100-byte file: decoding would need 1.2 GB and then fail on the
    // missing data; the header check must refuse it first, which is what the 413 proves.
    testing::Failure failure = decode_failure(testing::png_claiming(20000, 20000));
    EXPECT_EQ(failure.code, "image_too_large");
    EXPECT_EQ(failure.http_status, 413);
    EXPECT_NE(failure.message.find("400.0 MP"), std::string::npos) << failure.message;
    EXPECT_NE(failure.message.find("limit is 50 MP"), std::string::npos) << failure.message;
}

TEST_F(ImageDecoderTest, RefusesAJpegBombFromItsHeader) {
    testing::Failure failure = decode_failure(testing::jpeg_claiming(60000, 60000));
    EXPECT_EQ(failure.code, "image_too_large");
    EXPECT_NE(failure.message.find("3600.0 MP"), std::string::npos) << failure.message;
}

TEST_F(ImageDecoderTest, RefusesABmpBombFromItsHeader) {
    // ImageMagick, libvips' BMP reader, would decode (or refuse on its own terms) to learn the size.
    testing::Failure failure = decode_failure(testing::bmp_claiming(9000, -9000));  // top-down rows
    EXPECT_EQ(failure.code, "image_too_large");
    EXPECT_NE(failure.message.find("81.0 MP"), std::string::npos) << failure.message;
}

TEST_F(ImageDecoderTest, AppliesTheConfiguredMegapixelLimit) {
    config_.max_megapixels = 0.5;
    testing::Failure failure = decode_failure(encode(testing::solid(1000, 600, {1, 2, 3}), ".png"));
    EXPECT_EQ(failure.code, "image_too_large");
    EXPECT_NE(failure.message.find("image is 0.6 MP"), std::string::npos) << failure.message;
    EXPECT_NE(failure.message.find("limit is 0.5 MP"), std::string::npos) << failure.message;
    EXPECT_EQ(decode(encode(testing::solid(700, 700, {1, 2, 3}), ".png")).width, 700);  // 0.49 MP
}

TEST_F(ImageDecoderTest, RefusesAZeroSizedImage) {
    testing::Failure failure = decode_failure(testing::png_claiming(0, 100));
    EXPECT_EQ(failure.code, "invalid_image");
    EXPECT_EQ(failure.http_status, 400);
}

TEST_F(ImageDecoderTest, RefusesATruncatedJpeg) {
    std::string jpeg = encode(testing::noise(600, 400), ".jpg");
    testing::Failure failure = decode_failure(jpeg.substr(0, jpeg.size() / 2));
    EXPECT_EQ(failure.code, "invalid_image");
    EXPECT_EQ(failure.http_status, 400);
    EXPECT_NE(failure.message.find("jpeg"), std::string::npos) << failure.message;
}

TEST_F(ImageDecoderTest, RefusesATruncatedJpegShrunkOnLoad) {
    std::string jpeg = encode(testing::noise(3000, 2000), ".jpg");
    testing::Failure failure = decode_failure(jpeg.substr(0, jpeg.size() * 3 / 4));
    EXPECT_EQ(failure.code, "invalid_image") << failure.message;
}

TEST_F(ImageDecoderTest, RefusesATruncatedPng) {
    std::string png = encode(testing::noise(300, 200), ".png");
    EXPECT_EQ(decode_failure(png.substr(0, png.size() / 2)).code, "invalid_image");
}

TEST_F(ImageDecoderTest, RefusesGarbageBehindAValidSignature) {
    std::string bytes = "\x89PNG\r\n\x1A\n";
    bytes += std::string(200, 'x');
    EXPECT_EQ(decode_failure(bytes).code, "invalid_image");
    EXPECT_EQ(decode_failure("\xFF\xD8\xFF" + std::string(200, '\0')).code, "invalid_image");
}

TEST_F(ImageDecoderTest, RefusesRandomBytes) {
    std::mt19937 random(42);
    std::string bytes(4096, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
    bytes[0] = '\x01';  // no accepted signature starts with 0x01
    testing::Failure failure = decode_failure(bytes);
    EXPECT_EQ(failure.code, "unsupported_image_format");
    EXPECT_EQ(failure.http_status, 400);
    EXPECT_NE(failure.message.find("unrecognised data"), std::string::npos) << failure.message;
}

TEST_F(ImageDecoderTest, RefusesSvgPdfAndHtmlSayingWhatTheyLookLike) {
    testing::Failure svg = decode_failure(
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>");
    EXPECT_EQ(svg.code, "unsupported_image_format");
    EXPECT_NE(svg.message.find("SVG"), std::string::npos) << svg.message;
    testing::Failure pdf = decode_failure("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n");
    EXPECT_EQ(pdf.code, "unsupported_image_format");
    EXPECT_NE(pdf.message.find("PDF"), std::string::npos) << pdf.message;
    testing::Failure html = decode_failure("<!DOCTYPE html><html><body>Not Found</body></html>");
    EXPECT_NE(html.message.find("HTML"), std::string::npos) << html.message;
}

// --- threads --------------------------------------------------------------------------------------

TEST_F(ImageDecoderTest, ConcurrentDecodesMatchSequentialOnes) {
    std::vector<std::string> inputs = {
        encode(testing::noise(2000, 1500), ".jpg"),
        encode(testing::halves(700, 500, {255, 0, 0, 255}, {0, 0, 0, 0}), ".png"),
        encode(testing::noise(1200, 900), ".webp"),
        encode(testing::solid16(300, 200, {1000, 40000, 65535}), ".png"),
    };
    std::vector<RgbImage> expected;
    for (const std::string& input : inputs) expected.push_back(decode(input));

    constexpr int kThreads = 8;
    constexpr int kRounds = 3;
    std::vector<std::vector<RgbImage>> results(kThreads);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();  // all threads decode at once
            for (int round = 0; round < kRounds; ++round) {
                for (std::size_t i = 0; i < inputs.size(); ++i) {
                    // Each thread starts at a different image so different decoders overlap.
                    results[t].push_back(decode_for_model(inputs[(i + t) % inputs.size()], config_));
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();

    for (int t = 0; t < kThreads; ++t) {
        ASSERT_EQ(results[t].size(), inputs.size() * kRounds);
        for (std::size_t k = 0; k < results[t].size(); ++k) {
            const RgbImage& want = expected[(k % inputs.size() + t) % inputs.size()];
            EXPECT_EQ(results[t][k].width, want.width);
            EXPECT_EQ(results[t][k].height, want.height);
            EXPECT_TRUE(results[t][k].pixels == want.pixels) << "thread " << t << " result " << k;
        }
    }
}

TEST_F(ImageDecoderTest, ConcurrentFailuresStayClientErrors) {
    std::string truncated = encode(testing::noise(400, 300), ".jpg");
    truncated.resize(truncated.size() / 2);
    constexpr int kThreads = 8;
    std::vector<std::string> codes(kThreads);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            codes[t] = failure_of([&] { decode_for_model(truncated, config_); }).code;
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& code : codes) EXPECT_EQ(code, "invalid_image");
}

}  // namespace
}  // namespace vg::image
