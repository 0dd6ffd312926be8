#include "image/image_format.hpp"

#include <algorithm>
#include <cstdint>

namespace vg::image {
namespace {

bool starts_with(std::string_view bytes, std::string_view magic) {
    return bytes.substr(0, magic.size()) == magic;
}

std::uint32_t le32(std::string_view bytes, std::size_t at) {
    auto b = [&](std::size_t i) { return std::uint32_t{static_cast<unsigned char>(bytes[at + i])}; };
    return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}

std::uint16_t le16(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[at]) | static_cast<unsigned char>(bytes[at + 1])
                                                                                  << 8);
}

// "BM" alone is too weak a signature, so also require a known DIB header size.
bool is_bmp(std::string_view bytes) {
    if (bytes.size() < 26 || !starts_with(bytes, "BM")) return false;
    std::uint32_t dib = le32(bytes, 14);
    return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char p, char t) { return p == lower(t); });
}

// Markup and text, after a UTF-8 byte-order mark and leading whitespace.
std::optional<std::string> describe_text(std::string_view bytes) {
    if (starts_with(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
    std::size_t start = bytes.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return std::nullopt;
    bytes.remove_prefix(start);
    std::string_view head = bytes.substr(0, 1024);
    if (istarts_with(head, "<!doctype html") || istarts_with(head, "<html")) return "HTML";
    if (istarts_with(head, "<svg") || (head.starts_with("<") && head.find("<svg") != std::string_view::npos)) {
        return "SVG/XML";
    }
    if (istarts_with(head, "<?xml") || head.starts_with("<")) return "XML/HTML markup";
    if (head.starts_with("{") || head.starts_with("[")) return "JSON";
    if (head.size() >= 16 && std::all_of(head.begin(), head.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
                   c == '=' || c == '-' || c == '_' || c == '\r' || c == '\n';
        })) {
        return "base64 text (encoded twice?)";
    }
    return std::nullopt;
}

}  // namespace

std::optional<ImageFormat> sniff_image_format(std::string_view bytes) {
    if (starts_with(bytes, "\xFF\xD8\xFF")) return ImageFormat::kJpeg;
    if (starts_with(bytes, "\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
    if (bytes.size() >= 12 && starts_with(bytes, "RIFF") && bytes.substr(8, 4) == "WEBP") return ImageFormat::kWebp;
    if (starts_with(bytes, "GIF87a") || starts_with(bytes, "GIF89a")) return ImageFormat::kGif;
    if (is_bmp(bytes)) return ImageFormat::kBmp;
    using namespace std::string_view_literals;
    // Classic and BigTIFF, both byte orders.
    if (starts_with(bytes, "II*\0"sv) || starts_with(bytes, "MM\0*"sv) || starts_with(bytes, "II+\0"sv) ||
        starts_with(bytes, "MM\0+"sv)) {
        return ImageFormat::kTiff;
    }
    return std::nullopt;
}

std::optional<ImageSize> bmp_size(std::string_view bytes) {
    if (!is_bmp(bytes)) return std::nullopt;
    // The DIB header starts at 14; the 12-byte core header has 16-bit sizes, the others 32-bit
    // signed ones, the height negative for top-down rows.
    if (le32(bytes, 14) == 12) return ImageSize{le16(bytes, 18), le16(bytes, 20)};
    std::int64_t width = static_cast<std::int32_t>(le32(bytes, 18));
    std::int64_t height = static_cast<std::int32_t>(le32(bytes, 22));
    return ImageSize{width, height < 0 ? -height : height};
}

std::string_view format_name(ImageFormat format) {
    switch (format) {
        case ImageFormat::kJpeg: return "jpeg";
        case ImageFormat::kPng: return "png";
        case ImageFormat::kWebp: return "webp";
        case ImageFormat::kGif: return "gif";
        case ImageFormat::kBmp: return "bmp";
        case ImageFormat::kTiff: return "tiff";
    }
    return "unknown";
}

std::string describe_unsupported(std::string_view bytes) {
    using namespace std::string_view_literals;
    if (bytes.empty()) return "empty input";
    if (starts_with(bytes, "%PDF-")) return "PDF";
    if (bytes.size() >= 12 && bytes.substr(4, 4) == "ftyp") {
        std::string_view brand = bytes.substr(8, 4);
        if (brand == "avif" || brand == "avis") return "AVIF";
        if (brand == "heic" || brand == "heix" || brand == "mif1" || brand == "msf1" || brand == "hevc") return "HEIF";
        return "an ISO media file (MP4/MOV/HEIF family)";
    }
    if (starts_with(bytes, "\xFF\x0A") || starts_with(bytes, "\0\0\0\x0CJXL \r\n\x87\n"sv)) return "JPEG XL";
    if (starts_with(bytes, "\0\0\0\x0CjP  \r\n\x87\n"sv) || starts_with(bytes, "\xFF\x4F\xFF\x51")) return "JPEG 2000";
    if (starts_with(bytes, "8BPS")) return "Photoshop PSD";
    if (starts_with(bytes, "\0\0\1\0"sv)) return "ICO";
    if (starts_with(bytes, "PK\3\4")) return "a ZIP archive";
    if (starts_with(bytes, "\x1F\x8B")) return "gzip data";
    if (starts_with(bytes, "RIFF")) return "a RIFF file that is not WebP";
    if (auto text = describe_text(bytes)) return *text;
    return "unrecognised data";
}

}  // namespace vg::image
