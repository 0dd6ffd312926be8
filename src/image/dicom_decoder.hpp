#pragma once

#include <string>
#include <string_view>

#include "image/decoded_image.hpp"
#include "image/image_config.hpp"

namespace vg::image {

// What the decoder read from a DICOM file besides its pixels. By construction it holds no
// patient, study, series or institution identifier: the decoder never copies one out of the
// dataset, so nothing built from a DicomInfo can store or log one.
struct DicomInfo {
    std::string modality;     // (0008,0060), e.g. "CT", "CR", "OT"; "" when absent
    std::string body_part;    // (0018,0015), e.g. "CHEST"; "" when absent
    std::string photometric;  // (0028,0004), e.g. "MONOCHROME2", "RGB", "YBR_FULL_422"
    int rows = 0;             // the full frame size, before fitting
    int columns = 0;
    int frames = 0;  // (0028,0008), 1 when absent; only the first one is decoded
    int bits_stored = 0;
    std::string transfer_syntax;  // the UID the file was encoded in, e.g. "1.2.840.10008.1.2.4.70"
    bool window_applied = false;  // the file's own VOI window or LUT was used (else min-max)
};

struct DicomImage {
    RgbImage image;  // RGB8 fitted into config.max_side like decode_for_model; source_format "dicom"
    DicomInfo info;
};

// True for a DICOM Part 10 file ("DICM" after the 128-byte preamble), and for a bare dataset
// without preamble only when it opens with an explicit-VR little-endian element of group 0002 or
// 0008 (the groups every stored image starts with), which no format decode_for_model accepts
// starts with. Thread-safe.
bool looks_like_dicom(std::string_view bytes);

// Decodes the first frame of a DICOM image with DCMTK, entirely in memory (nothing is written to
// disk): the modality LUT (rescale) and then the file's first VOI window (WindowCenter/Width),
// else its first VOI LUT, else a min-max window; MONOCHROME1 inverted so higher is brighter;
// colour (RGB, YBR_*, palette) to RGB; 8 bits; then fitted into config.max_side square (never
// enlarged) with libvips' thumbnail, as decode_for_model does. Compressed transfer syntaxes decode
// where DCMTK has the codec: JPEG (baseline, extended, lossless), JPEG-LS, RLE, deflate.
//
// The limits are checked before any pixel is decoded: the encoded size against max_bytes, then
// Rows x Columns against max_megapixels. Throws ClientError:
//   "empty_image" (400), "image_too_large" (413), "dicom_invalid" (400, not parsable or
//   inconsistent), "dicom_no_pixel_data" (400), "dicom_unsupported_transfer_syntax" (400, e.g.
//   JPEG 2000, which DCMTK's free edition cannot decode).
// Messages never quote element values.
// Thread-safe: each call owns its DCMTK objects (DicomImage is reentrant per object); the codecs
// are registered once, and DCMTK's codec list and dictionary are guarded by its own locks.
DicomImage decode_dicom(std::string_view bytes, const ImageConfig& config);

}  // namespace vg::image
