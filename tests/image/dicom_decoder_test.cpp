#include "image/dicom_decoder.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <thread>

#include "image/client_error_capture.hpp"
#include "support/child_process.hpp"
#include "support/test_images.hpp"

namespace vg::image {
namespace {

using testing::failure_of;
using testing::pixel_at;
using testing::Rgb;

// DICOM files are built by DCMTK in the test itself, like the other test images by libvips: every
// expectation is about pixels the test chose, and no binary fixture sits in the repository.
constexpr int kGradientWidth = 256;
constexpr int kGradientHeight = 8;
constexpr const char* kPatientName = "Doe^Jane";
constexpr const char* kPatientId = "PID-424242";

struct Window {
    const char* center;
    const char* width;
};

// A value of x * 16 at column x (0..4080, 12 bits stored): every column has a known value.
std::vector<Uint16> gradient_frame(bool reversed = false) {
    std::vector<Uint16> frame(kGradientWidth * kGradientHeight);
    for (int y = 0; y < kGradientHeight; ++y) {
        for (int x = 0; x < kGradientWidth; ++x) {
            int column = reversed ? kGradientWidth - 1 - x : x;
            frame[y * kGradientWidth + x] = static_cast<Uint16>(column * 16);
        }
    }
    return frame;
}

// The attributes every test file carries, patient identifiers among them.
void put_common(DcmDataset& data, const char* sop_class) {
    char uid[100];
    data.putAndInsertString(DCM_SOPClassUID, sop_class);
    data.putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    data.putAndInsertString(DCM_StudyInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT));
    data.putAndInsertString(DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT));
    data.putAndInsertString(DCM_PatientName, kPatientName);
    data.putAndInsertString(DCM_PatientID, kPatientId);
    data.putAndInsertString(DCM_PatientBirthDate, "19700101");
    data.putAndInsertString(DCM_InstitutionName, "St Elsewhere");
    data.putAndInsertString(DCM_Modality, "OT");
    data.putAndInsertString(DCM_BodyPartExamined, "CHEST");
    data.putAndInsertString(DCM_ConversionType, "WSD");
}

void put_image_pixel_module(DcmDataset& data, int width, int height, int samples, const char* photometric,
                            int bits_allocated, int bits_stored) {
    data.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(height));
    data.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(width));
    data.putAndInsertUint16(DCM_SamplesPerPixel, static_cast<Uint16>(samples));
    data.putAndInsertString(DCM_PhotometricInterpretation, photometric);
    if (samples == 3) data.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    data.putAndInsertUint16(DCM_BitsAllocated, static_cast<Uint16>(bits_allocated));
    data.putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(bits_stored));
    data.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(bits_stored - 1));
    data.putAndInsertUint16(DCM_PixelRepresentation, 0);
}

// 16-bit allocated, 12 stored, one frame per entry of `frames`.
void make_mono16(DcmFileFormat& file, const char* photometric, const std::vector<std::vector<Uint16>>& frames,
                 std::optional<Window> window, int width = kGradientWidth, int height = kGradientHeight) {
    DcmDataset& data = *file.getDataset();
    put_common(data, frames.size() > 1 ? UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage
                                       : UID_SecondaryCaptureImageStorage);
    put_image_pixel_module(data, width, height, 1, photometric, 16, 12);
    if (frames.size() > 1) data.putAndInsertString(DCM_NumberOfFrames, std::to_string(frames.size()).c_str());
    if (window) {
        data.putAndInsertString(DCM_WindowCenter, window->center);
        data.putAndInsertString(DCM_WindowWidth, window->width);
    }
    std::vector<Uint16> all;
    for (const auto& frame : frames) all.insert(all.end(), frame.begin(), frame.end());
    data.putAndInsertUint16Array(DCM_PixelData, all.data(), static_cast<unsigned long>(all.size()));
}

constexpr Rgb kLeft{200, 30, 10};
constexpr Rgb kRight{10, 60, 220};

// 64 x 32 RGB, 8 bits: kLeft on the left half, kRight on the right.
void make_rgb8(DcmFileFormat& file) {
    constexpr int width = 64, height = 32;
    DcmDataset& data = *file.getDataset();
    put_common(data, UID_SecondaryCaptureImageStorage);
    put_image_pixel_module(data, width, height, 3, "RGB", 8, 8);
    std::vector<Uint8> pixels;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const Rgb& colour = x < width / 2 ? kLeft : kRight;
            for (int c : colour) pixels.push_back(static_cast<Uint8>(c));
        }
    }
    data.putAndInsertUint8Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
}

class DicomDecoderTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "vg-dicom-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    static std::string read_bytes(const std::string& file_path) {
        std::ifstream in(file_path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    // The file as a Part 10 file (preamble, meta header) in `xfer`.
    std::string save(DcmFileFormat& file, const std::string& name,
                     E_TransferSyntax xfer = EXS_LittleEndianExplicit) const {
        OFCondition status = file.saveFile(path(name).c_str(), xfer);
        EXPECT_TRUE(status.good()) << status.text();
        return read_bytes(path(name));
    }

    std::string mono16(const char* photometric, std::optional<Window> window, std::size_t frames = 1) {
        DcmFileFormat file;
        std::vector<std::vector<Uint16>> content{gradient_frame()};
        if (frames > 1) content.push_back(gradient_frame(true));
        make_mono16(file, photometric, content, window);
        return save(file, "mono.dcm");
    }

    std::string rgb8() {
        DcmFileFormat file;
        make_rgb8(file);
        return save(file, "rgb.dcm");
    }

    DicomImage decode(const std::string& bytes) { return decode_dicom(bytes, config_); }
    testing::Failure decode_failure(const std::string& bytes) {
        return failure_of([&] { decode_dicom(bytes, config_); });
    }

    static int grey_at(const RgbImage& image, int x, int y = kGradientHeight / 2) {
        Rgb rgb = pixel_at(image, x, y);
        EXPECT_EQ(rgb[0], rgb[1]);
        EXPECT_EQ(rgb[1], rgb[2]);
        return rgb[0];
    }

    std::filesystem::path dir_;
    ImageConfig config_;
};

// Center 2048, width 1024: stored values below 1536 clip to black, above 2560 to white, and the
// linear part follows DICOM's ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.
constexpr Window kMidWindow{"2048", "1024"};

// --- monochrome and windowing -------------------------------------------------------------------

TEST_F(DicomDecoderTest, AppliesTheFilesWindowAndClipsOutsideIt) {
    DicomImage dicom = decode(mono16("MONOCHROME2", kMidWindow));
    const RgbImage& image = dicom.image;
    ASSERT_EQ(image.width, kGradientWidth);
    ASSERT_EQ(image.height, kGradientHeight);
    EXPECT_EQ(image.pixels.size(), static_cast<std::size_t>(kGradientWidth * kGradientHeight * 3));
    EXPECT_EQ(image.source_format, "dicom");
    EXPECT_TRUE(dicom.info.window_applied);
    EXPECT_EQ(grey_at(image, 0), 0);
    EXPECT_EQ(grey_at(image, 95), 0);          // 1520: below the window
    EXPECT_NEAR(grey_at(image, 112), 64, 2);   // 1792
    EXPECT_NEAR(grey_at(image, 128), 128, 2);  // 2048: the centre
    EXPECT_NEAR(grey_at(image, 144), 191, 2);  // 2304
    EXPECT_EQ(grey_at(image, 161), 255);       // 2576: above the window
    EXPECT_EQ(grey_at(image, 255), 255);
}

TEST_F(DicomDecoderTest, UsesMinMaxWithoutAWindow) {
    DicomImage dicom = decode(mono16("MONOCHROME2", std::nullopt));
    EXPECT_FALSE(dicom.info.window_applied);
    EXPECT_EQ(grey_at(dicom.image, 0), 0);
    EXPECT_NEAR(grey_at(dicom.image, 128), 128, 2);
    EXPECT_EQ(grey_at(dicom.image, 255), 255);
}

TEST_F(DicomDecoderTest, InvertsMonochrome1SoThatHigherIsBrighter) {
    DicomImage dicom = decode(mono16("MONOCHROME1", kMidWindow));
    EXPECT_EQ(dicom.info.photometric, "MONOCHROME1");
    EXPECT_TRUE(dicom.info.window_applied);
    EXPECT_EQ(grey_at(dicom.image, 0), 255);
    EXPECT_NEAR(grey_at(dicom.image, 112), 255 - 64, 2);
    EXPECT_EQ(grey_at(dicom.image, 200), 0);
}

TEST_F(DicomDecoderTest, TakesTheFirstFrameOfAMultiFrameFile) {
    DicomImage single = decode(mono16("MONOCHROME2", kMidWindow));
    DicomImage multi = decode(mono16("MONOCHROME2", kMidWindow, 2));  // frame 2 is the gradient reversed
    EXPECT_EQ(multi.info.frames, 2);
    EXPECT_EQ(single.info.frames, 1);
    EXPECT_EQ(multi.image.pixels, single.image.pixels);
}

TEST_F(DicomDecoderTest, DecodesRgb) {
    DicomImage dicom = decode(rgb8());
    ASSERT_EQ(dicom.image.width, 64);
    ASSERT_EQ(dicom.image.height, 32);
    EXPECT_EQ(pixel_at(dicom.image, 5, 5), kLeft);
    EXPECT_EQ(pixel_at(dicom.image, 60, 20), kRight);
    EXPECT_EQ(dicom.info.photometric, "RGB");
    EXPECT_FALSE(dicom.info.window_applied);
}

TEST_F(DicomDecoderTest, FitsALargeImageIntoTheBoxLikeTheModelPath) {
    constexpr int width = 2048, height = 512;
    std::vector<Uint16> frame(width * height);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) frame[y * width + x] = static_cast<Uint16>(x * 2);  // 0..4094
    }
    DcmFileFormat file;
    make_mono16(file, "MONOCHROME2", {frame}, std::nullopt, width, height);
    DicomImage dicom = decode(save(file, "large.dcm"));
    EXPECT_EQ(dicom.image.width, 1024);
    EXPECT_EQ(dicom.image.height, 256);
    EXPECT_EQ(dicom.image.original_width, width);
    EXPECT_EQ(dicom.image.original_height, height);
    EXPECT_EQ(dicom.info.columns, width);
    EXPECT_EQ(dicom.info.rows, height);
    EXPECT_NEAR(grey_at(dicom.image, 512, 128), 128, 2);
}

// --- what the file says about itself ------------------------------------------------------------

TEST_F(DicomDecoderTest, ReportsImageFactsAndNoPatientIdentifiers) {
    DicomImage dicom = decode(mono16("MONOCHROME2", kMidWindow));
    const DicomInfo& info = dicom.info;
    EXPECT_EQ(info.modality, "OT");
    EXPECT_EQ(info.body_part, "CHEST");
    EXPECT_EQ(info.photometric, "MONOCHROME2");
    EXPECT_EQ(info.rows, kGradientHeight);
    EXPECT_EQ(info.columns, kGradientWidth);
    EXPECT_EQ(info.bits_stored, 12);
    EXPECT_EQ(info.transfer_syntax, UID_LittleEndianExplicitTransferSyntax);
    std::string all = info.modality + info.body_part + info.photometric + info.transfer_syntax;
    EXPECT_EQ(all.find("Doe"), std::string::npos);
    EXPECT_EQ(all.find(kPatientId), std::string::npos);
    EXPECT_EQ(all.find("Elsewhere"), std::string::npos);
}

TEST_F(DicomDecoderTest, LogsNothingAboutTheFile) {
    std::string bytes = mono16("MONOCHROME2", kMidWindow);
    ::testing::internal::CaptureStderr();
    decode(bytes);
    decode_failure(bytes.substr(0, bytes.size() / 2));
    std::string logged = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(logged.find("Doe"), std::string::npos) << logged;
    EXPECT_EQ(logged.find(kPatientId), std::string::npos) << logged;
}

// --- recognising DICOM --------------------------------------------------------------------------

TEST_F(DicomDecoderTest, RecognisesPart10FilesAndBareDatasets) {
    std::string part10 = mono16("MONOCHROME2", kMidWindow);
    EXPECT_TRUE(looks_like_dicom(part10));

    DcmFileFormat file;
    make_mono16(file, "MONOCHROME2", {gradient_frame()}, kMidWindow);
    ASSERT_TRUE(file.getDataset()->saveFile(path("bare.dcm").c_str(), EXS_LittleEndianExplicit).good());
    std::string bare = read_bytes(path("bare.dcm"));
    EXPECT_TRUE(looks_like_dicom(bare));
    EXPECT_EQ(decode(bare).image.pixels, decode(part10).image.pixels);

    EXPECT_FALSE(looks_like_dicom(""));
    EXPECT_FALSE(looks_like_dicom("DICM"));
    EXPECT_FALSE(looks_like_dicom(testing::encode(testing::solid(8, 8, {1, 2, 3}), ".png")));
    EXPECT_FALSE(looks_like_dicom(testing::encode(testing::solid(8, 8, {1, 2, 3}), ".jpg")));
    EXPECT_FALSE(looks_like_dicom(std::string(200, '\0')));
}

// --- refusals -----------------------------------------------------------------------------------

TEST_F(DicomDecoderTest, RefusesAFileWithoutPixelData) {
    DcmFileFormat file;
    put_common(*file.getDataset(), UID_SecondaryCaptureImageStorage);
    auto failure = decode_failure(save(file, "empty.dcm"));
    EXPECT_EQ(failure.code, "dicom_no_pixel_data");
    EXPECT_EQ(failure.http_status, 400);
}

TEST_F(DicomDecoderTest, RefusesGarbageAfterThePreamble) {
    std::string bytes(128, '\0');
    bytes += "DICM";
    std::mt19937 random(7);
    for (int i = 0; i < 4000; ++i) bytes += static_cast<char>(random() & 0xFF);
    auto failure = decode_failure(bytes);
    EXPECT_EQ(failure.code, "dicom_invalid");
    EXPECT_EQ(failure.http_status, 400);
}

TEST_F(DicomDecoderTest, RefusesATruncatedFile) {
    std::string bytes = mono16("MONOCHROME2", kMidWindow);
    EXPECT_EQ(decode_failure(bytes.substr(0, bytes.size() - 1000)).code, "dicom_invalid");
    EXPECT_EQ(decode_failure(bytes.substr(0, 300)).code, "dicom_invalid");
}

TEST_F(DicomDecoderTest, RefusesTooManyPixelsBeforeDecoding) {
    config_.max_megapixels = 0.001;  // 1000 pixels; the gradient has 2048
    auto failure = decode_failure(mono16("MONOCHROME2", kMidWindow));
    EXPECT_EQ(failure.code, "image_too_large");
    EXPECT_EQ(failure.http_status, 413);
    EXPECT_NE(failure.message.find("256x8"), std::string::npos) << failure.message;
}

TEST_F(DicomDecoderTest, RefusesTooManyBytes) {
    std::string bytes = mono16("MONOCHROME2", kMidWindow);
    config_.max_bytes = bytes.size() - 1;
    EXPECT_EQ(decode_failure(bytes).code, "image_too_large");
    EXPECT_EQ(decode_failure("").code, "empty_image");
}

TEST_F(DicomDecoderTest, RefusesATransferSyntaxWithoutACodec) {
    // JPEG 2000: DCMTK's free edition has no codec for it. The fragment need not be a real
    // codestream: the refusal must come before anyone tries to decode it.
    DcmFileFormat file;
    DcmDataset& data = *file.getDataset();
    put_common(data, UID_SecondaryCaptureImageStorage);
    put_image_pixel_module(data, 16, 16, 1, "MONOCHROME2", 8, 8);
    auto* sequence = new DcmPixelSequence(DCM_PixelSequenceTag);
    sequence->insert(new DcmPixelItem(DCM_PixelItemTag));  // empty basic offset table
    auto* fragment = new DcmPixelItem(DCM_PixelItemTag);
    std::vector<Uint8> codestream(64, 0x42);
    fragment->putUint8Array(codestream.data(), static_cast<unsigned long>(codestream.size()));
    sequence->insert(fragment);
    auto* pixel_data = new DcmPixelData(DCM_PixelData);
    pixel_data->putOriginalRepresentation(EXS_JPEG2000LosslessOnly, nullptr, sequence);
    data.insert(pixel_data);
    auto failure = decode_failure(save(file, "j2k.dcm", EXS_JPEG2000LosslessOnly));
    EXPECT_EQ(failure.code, "dicom_unsupported_transfer_syntax");
    EXPECT_NE(failure.message.find(UID_JPEG2000LosslessOnlyTransferSyntax), std::string::npos) << failure.message;
}

TEST_F(DicomDecoderTest, DecodesFromSeveralThreadsAtOnce) {
    std::string mono = mono16("MONOCHROME2", kMidWindow, 2);
    std::string rgb = rgb8();
    std::vector<std::uint8_t> mono_expected = decode(mono).image.pixels;
    std::vector<std::uint8_t> rgb_expected = decode(rgb).image.pixels;
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                bool is_mono = (t + i) % 2 == 0;
                auto pixels = decode_dicom(is_mono ? mono : rgb, ImageConfig{}).image.pixels;
                if (pixels != (is_mono ? mono_expected : rgb_expected)) ++mismatches;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches.load(), 0);
}

// --- compressed transfer syntaxes, made by DCMTK's own tools ------------------------------------

enum class Content { kMono16, kMultiFrame, kRgb8 };

struct Compression {
    const char* tool;
    const char* transfer_syntax;  // what the tool writes by default: lossless every time
    Content content;
};

void PrintTo(const Compression& c, std::ostream* out) {
    *out << c.tool << (c.content == Content::kRgb8 ? "/rgb" : c.content == Content::kMultiFrame ? "/multi" : "/mono");
}

class DicomCompressedTest : public DicomDecoderTest, public ::testing::WithParamInterface<Compression> {};

TEST_P(DicomCompressedTest, DecodesToTheSamePixelsAsUncompressed) {
    const Compression& param = GetParam();
    if (!vg::test::on_path(param.tool)) GTEST_SKIP() << param.tool << " not installed (Debian package dcmtk)";
    std::string plain = param.content == Content::kRgb8
                            ? rgb8()
                            : mono16("MONOCHROME2", kMidWindow, param.content == Content::kMultiFrame ? 2 : 1);
    std::string in = path(param.content == Content::kRgb8 ? "rgb.dcm" : "mono.dcm");
    std::string out = path("compressed.dcm");
    auto result = vg::test::run_command(param.tool, {in, out});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    std::string compressed = read_bytes(out);
    ASSERT_NE(compressed, plain);

    DicomImage expected = decode(plain);
    DicomImage actual = decode(compressed);
    EXPECT_EQ(actual.info.transfer_syntax, param.transfer_syntax);
    EXPECT_EQ(actual.image.width, expected.image.width);
    EXPECT_EQ(actual.image.height, expected.image.height);
    EXPECT_EQ(actual.image.pixels, expected.image.pixels);  // lossless: not one level may change
    EXPECT_EQ(actual.info.window_applied, expected.info.window_applied);
    if (param.content == Content::kMultiFrame) {
        EXPECT_EQ(actual.info.frames, 2);
    }
}

INSTANTIATE_TEST_SUITE_P(
    DicomLossless, DicomCompressedTest,
    ::testing::Values(Compression{"dcmcjpeg", UID_JPEGProcess14SV1TransferSyntax, Content::kMono16},
                      Compression{"dcmcjpeg", UID_JPEGProcess14SV1TransferSyntax, Content::kMultiFrame},
                      Compression{"dcmcjpeg", UID_JPEGProcess14SV1TransferSyntax, Content::kRgb8},
                      Compression{"dcmcrle", UID_RLELosslessTransferSyntax, Content::kMono16},
                      Compression{"dcmcrle", UID_RLELosslessTransferSyntax, Content::kMultiFrame},
                      Compression{"dcmcrle", UID_RLELosslessTransferSyntax, Content::kRgb8},
                      Compression{"dcmcjpls", UID_JPEGLSLosslessTransferSyntax, Content::kMono16},
                      Compression{"dcmcjpls", UID_JPEGLSLosslessTransferSyntax, Content::kMultiFrame},
                      Compression{"dcmcjpls", UID_JPEGLSLosslessTransferSyntax, Content::kRgb8}));

}  // namespace
}  // namespace vg::image
