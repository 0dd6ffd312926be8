#include "image/image_library.hpp"

#include <vips/vips.h>

#include <mutex>
#include <stdexcept>

namespace vg::image {
namespace {

constexpr std::size_t kMaxMessage = 300;

void drop_log_message(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

}  // namespace

void init_image_library() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (VIPS_INIT("visiongrid") != 0) {
            std::string message = vips_error_buffer();
            vips_error_clear();
            throw std::runtime_error("libvips failed to initialise: " + message);
        }
        vips_cache_set_max(0);
        vips_cache_set_max_mem(0);
        vips_cache_set_max_files(0);
        g_log_set_handler("VIPS",
                          static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
                          drop_log_message, nullptr);
    });
}

std::string take_vips_error(std::string_view captured) {
    init_image_library();  // the error buffer's lock exists only once libvips has started
    vips_error_clear();
    std::string_view line;
    while (!captured.empty()) {
        std::size_t end = captured.find('\n');
        line = captured.substr(0, end);
        captured = end == std::string_view::npos ? std::string_view{} : captured.substr(end + 1);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
            line.remove_suffix(1);
        if (!line.empty()) break;
    }
    if (line.empty()) return "unknown libvips error";
    std::string message(line.substr(0, kMaxMessage));
    // Client bytes can end up in messages; keep them printable ASCII so any JSON writer accepts them.
    for (char& c : message) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F) c = '?';
    }
    return message;
}

}  // namespace vg::image
