#include "image/dicom_decoder.hpp"

// DCMTK's headers come in through the imported targets' include directory (/usr/include), which
// the compiler treats as a system directory, so their warnings stay out of ours.
#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmimage/diregist.h>  // lets DicomImage decode colour (RGB, YBR_*, palette)
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vips/vips8>

#include "core/error.hpp"
#include "image/image_library.hpp"

namespace vg::image {
namespace {

using vips::VImage;

constexpr std::size_t kPreambleSize = 128;
constexpr std::size_t kMaxInfoText = 64;

// DCMTK's codec registry and logger are process-wide by its design. The decoders register once;
// DCMTK's log goes off entirely, because its parser warnings may quote element values (a patient's
// name among them) and carry no request id; what matters comes back as the OFCondition we map.
void init_dcmtk() {
    static std::once_flag once;
    std::call_once(once, [] {
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
    // Debian's DCMTK reads its dictionary from /usr/share/libdcmtk17; without it no tag has a
    // name or VR and every implicit-VR file would fail as "invalid": say what is really wrong.
    if (!dcmDataDict.isDictionaryLoaded()) {
        throw std::runtime_error("DCMTK's data dictionary is not loaded (is libdcmtk17 installed? DCMDICTPATH?)");
    }
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

// Printable ASCII, trimmed and capped: these strings end up in JSON answers and logs.
std::string clean_text(const char* value) {
    std::string text = value == nullptr ? "" : value;
    for (char& c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F) c = '?';
    }
    auto first = text.find_first_not_of(' ');
    if (first == std::string::npos) return "";
    text = text.substr(first, text.find_last_not_of(' ') - first + 1);
    if (text.size() > kMaxInfoText) text.resize(kMaxInfoText);
    return text;
}

std::string string_of(DcmDataset& dataset, const DcmTagKey& tag) {
    const char* value = nullptr;
    if (dataset.findAndGetString(tag, value).bad()) return "";
    return clean_text(value);
}

int uint16_of(DcmDataset& dataset, const DcmTagKey& tag) {
    Uint16 value = 0;
    return dataset.findAndGetUint16(tag, value).good() ? value : 0;
}

// Only the elements DicomInfo names are read: a patient's name, IDs and dates never leave DCMTK.
DicomInfo read_info(DcmDataset& dataset, E_TransferSyntax xfer) {
    DicomInfo info;
    info.modality = string_of(dataset, DCM_Modality);
    info.body_part = string_of(dataset, DCM_BodyPartExamined);
    info.photometric = string_of(dataset, DCM_PhotometricInterpretation);
    info.rows = uint16_of(dataset, DCM_Rows);
    info.columns = uint16_of(dataset, DCM_Columns);
    info.bits_stored = uint16_of(dataset, DCM_BitsStored);
    Sint32 frames = 1;
    if (dataset.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) frames = 1;
    info.frames = frames;
    info.transfer_syntax = DcmXfer(xfer).getXferID();
    return info;
}

// The whole file is in `bytes` already (bounded by max_bytes), so DCMTK reads from memory and no
// temporary file ever holds patient data.
std::unique_ptr<DcmFileFormat> parse(std::string_view bytes) {
    DcmInputBufferStream stream;
    stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
    stream.setEos();
    auto file = std::make_unique<DcmFileFormat>();
    file->transferInit();
    OFCondition status = file->read(stream);
    file->transferEnd();
    if (status.bad()) {
        // OFCondition texts name the failure ("Parse error", "Premature end of stream"), never a value.
        throw ClientError("dicom_invalid", "the data is not a readable DICOM file: " + clean_text(status.text()));
    }
    return file;
}

void check_pixel_limit(const DicomInfo& info, const ImageConfig& config) {
    if (info.rows <= 0 || info.columns <= 0) {
        throw ClientError("dicom_invalid", "the DICOM image has no Rows or Columns");
    }
    double pixels = static_cast<double>(info.rows) * static_cast<double>(info.columns);
    if (pixels > config.max_megapixels * 1e6) {
        throw ClientError("image_too_large",
                          "image is " + megapixels(pixels) + " MP (" + std::to_string(info.columns) + "x" +
                              std::to_string(info.rows) + "); the limit is " + limit_text(config.max_megapixels) +
                              " MP",
                          413);
    }
}

void check_codec(E_TransferSyntax xfer) {
    DcmXfer syntax(xfer);
    if (syntax.isEncapsulated() && !DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit)) {
        throw ClientError("dicom_unsupported_transfer_syntax",
                          "DICOM pixel data in " + std::string(syntax.getXferName()) + " (" + syntax.getXferID() +
                              ") cannot be decoded; send it uncompressed, JPEG, JPEG-LS or RLE");
    }
}

// The file's own window if it has one, else its VOI LUT, else the frame's min-max. Returns whether
// the file's choice was applied.
bool apply_voi(::DicomImage& image) {
    if (image.getWindowCount() > 0 && image.setWindow(0) != 0) return true;
    if (image.getVoiLutCount() > 0 && image.setVoiLut(0) != 0) return true;
    image.setMinMaxWindow();
    return false;
}

// libvips' thumbnail on the decoded frame, the resampler decode_for_model fits with. Greyscale is
// fitted as one band and widened to RGB afterwards: a third of the work.
RgbImage fit(std::vector<std::uint8_t> pixels, int width, int height, int bands, int max_side) {
    RgbImage result;
    result.source_format = "dicom";
    result.original_width = width;
    result.original_height = height;
    if (width > max_side || height > max_side) {
        init_image_library();
        try {
            VImage full = VImage::new_from_memory(pixels.data(), pixels.size(), width, height, bands, VIPS_FORMAT_UCHAR)
                              .copy(VImage::option()->set(
                                  "interpretation", bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB));
            VImage fitted = full.thumbnail_image(max_side, VImage::option()
                                                               ->set("height", max_side)
                                                               ->set("size", VIPS_SIZE_DOWN)
                                                               ->set("crop", VIPS_INTERESTING_NONE));
            width = fitted.width();
            height = fitted.height();
            std::vector<std::uint8_t> out(static_cast<std::size_t>(width) * height * bands);
            fitted.write(VImage::new_from_memory(out.data(), out.size(), width, height, bands, VIPS_FORMAT_UCHAR));
            pixels = std::move(out);
        } catch (const vips::VError& e) {
            // An in-memory 8-bit image: a failure here is ours (memory, a broken libvips), not the client's.
            throw std::runtime_error("fitting the DICOM image failed: " + take_vips_error(e.what()));
        }
    }
    result.width = width;
    result.height = height;
    if (bands == 3) {
        result.pixels = std::move(pixels);
    } else {
        result.pixels.resize(pixels.size() * 3);
        for (std::size_t i = 0; i < pixels.size(); ++i) {
            std::memset(&result.pixels[i * 3], pixels[i], 3);
        }
    }
    return result;
}

// The first frame as 8-bit samples: one band for monochrome (VOI applied, MONOCHROME1 already
// turned by DCMTK's default presentation LUT so that higher is brighter), three interleaved for
// colour.
RgbImage render_first_frame(DcmDataset& dataset, E_TransferSyntax xfer, DicomInfo& info, int max_side) {
    // Frame 0 only; partial access decodes just that frame of a compressed multi-frame file.
    ::DicomImage image(&dataset, xfer, CIF_UsePartialAccessToPixelData, 0, 1);
    EI_Status status = image.getStatus();
    if (status != EIS_Normal) {
        std::string what = ::DicomImage::getString(status);
        if (status == EIS_NotSupportedValue) {
            throw ClientError("dicom_invalid", "the DICOM image uses a pixel encoding DCMTK cannot render: " + what);
        }
        throw ClientError("dicom_invalid", "the DICOM image cannot be decoded: " + what);
    }
    int bands = image.isMonochrome() ? 1 : 3;
    if (bands == 1) info.window_applied = apply_voi(image);
    auto width = static_cast<int>(image.getWidth());
    auto height = static_cast<int>(image.getHeight());
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * height * bands);
    if (image.getOutputDataSize(8) != pixels.size() ||
        image.getOutputData(pixels.data(), pixels.size(), 8, 0, 0) == 0) {
        throw ClientError("dicom_invalid", "the DICOM pixel data does not match its declared size");
    }
    return fit(std::move(pixels), width, height, bands, max_side);
}

}  // namespace

bool looks_like_dicom(std::string_view bytes) {
    if (bytes.size() >= kPreambleSize + 4 && bytes.substr(kPreambleSize, 4) == "DICM") return true;
    // A bare dataset: (0002,xxxx) or (0008,xxxx) little-endian, then an explicit VR of two
    // upper-case letters. Six fixed-ish bytes: weaker than a magic number, but no format we accept
    // starts with 02 00 or 08 00, and decode_dicom still refuses whatever DCMTK cannot parse.
    if (bytes.size() < 8) return false;
    auto at = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    bool group = (at(0) == 0x02 || at(0) == 0x08) && at(1) == 0x00;
    bool vr = at(4) >= 'A' && at(4) <= 'Z' && at(5) >= 'A' && at(5) <= 'Z';
    return group && vr;
}

DicomImage decode_dicom(std::string_view bytes, const ImageConfig& config) {
    if (bytes.empty()) throw ClientError("empty_image", "the image is empty (0 bytes)");
    if (bytes.size() > config.max_bytes) {
        throw ClientError("image_too_large",
                          "image is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                              std::to_string(config.max_bytes) + " bytes",
                          413);
    }
    init_dcmtk();
    std::unique_ptr<DcmFileFormat> file = parse(bytes);
    DcmDataset& dataset = *file->getDataset();
    E_TransferSyntax xfer = dataset.getOriginalXfer();
    if (xfer == EXS_Unknown) throw ClientError("dicom_invalid", "the DICOM file's transfer syntax is unknown");
    if (!dataset.tagExistsWithValue(DCM_PixelData)) {
        throw ClientError("dicom_no_pixel_data", "the DICOM file has no pixel data (not an image)");
    }
    DicomInfo info = read_info(dataset, xfer);
    check_pixel_limit(info, config);
    check_codec(xfer);
    RgbImage image = render_first_frame(dataset, xfer, info, config.max_side);
    return {std::move(image), std::move(info)};
}

}  // namespace vg::image
