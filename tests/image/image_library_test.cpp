#include "image/image_library.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <thread>
#include <vector>
#include <vips/vips8>

namespace vg::image {
namespace {

TEST(InitImageLibraryTest, IsIdempotentAndSafeFromManyThreads) {
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            start.arrive_and_wait();
            init_image_library();
        });
    }
    for (std::thread& thread : threads) thread.join();
    init_image_library();
    vips::VImage image = vips::VImage::black(3, 2);  // libvips works afterwards
    EXPECT_EQ(image.width(), 3);
    EXPECT_EQ(image.avg(), 0.0);
}

TEST(InitImageLibraryTest, TurnsTheOperationCacheOff) {
    init_image_library();
    EXPECT_EQ(vips_cache_get_max(), 0);
}

TEST(TakeVipsErrorTest, KeepsTheFirstLineAndClearsTheBuffer) {
    init_image_library();
    vips_error("test", "%s", "first problem");
    vips_error("test", "%s", "second problem");
    std::string captured = vips_error_buffer();
    EXPECT_EQ(take_vips_error(captured), "test: first problem");
    EXPECT_STREQ(vips_error_buffer(), "");
}

TEST(TakeVipsErrorTest, SkipsBlankLinesAndMakesTextPrintable) {
    EXPECT_EQ(take_vips_error("\n  \nVipsJpeg: bad \x01marker \xC3\xA9\nmore"), "VipsJpeg: bad ?marker ??");
    EXPECT_EQ(take_vips_error(""), "unknown libvips error");
    EXPECT_EQ(take_vips_error(std::string(1000, 'x')).size(), 300u);
}

}  // namespace
}  // namespace vg::image
