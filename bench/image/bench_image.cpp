// Image pipeline benchmark: decode_for_model on a 12 MP JPEG against `vipsthumbnail` doing the same
// fit-to-1024 in the same run, plus base64 decode throughput. A benchmark, not a test: it prints
// numbers and exits non-zero only when it cannot measure.
//
// Usage: bench_image [--rounds N] [--batch K] [--out FILE.json] [--vipsthumbnail PATH]
//   Each round times K decodes by us and one vipsthumbnail process over K copies of the file, in
//   alternating order. vipsthumbnail's per-image time is (batch time - its start-up) / K, the
//   start-up being a run on a 1x1 image in the same round: the comparison is of the pipelines.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>
#include <vips/vips8>

#include "image/base64.hpp"
#include "image/image_decoder.hpp"
#include "image/image_library.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using vips::VImage;
namespace fs = std::filesystem;

struct Options {
    int rounds = 10;
    int batch = 10;
    std::string out_json;
    std::string vipsthumbnail = "vipsthumbnail";
};

struct Stats {
    double mean_ms;
    double median_ms;
    double min_ms;
};

Stats stats_of(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
    std::size_t n = ms.size();
    double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    return {mean, median, ms.front()};
}

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A photo-like 4000x3000 JPEG at quality 90: smooth gradients (what JPEG compresses well) plus
// sensor-like noise (what it does not), so the entropy decoder does realistic work.
std::string make_photo_jpeg() {
    const int width = 4000, height = 3000;
    VImage xyz = VImage::xyz(width, height);
    VImage x = xyz[0], y = xyz[1];
    VImage r = x * (255.0 / width);
    VImage g = y * (255.0 / height);
    VImage b = ((x + y) * 0.02).sin() * 80 + 128;  // sin() works in degrees: slow waves
    VImage base = VImage::bandjoin({r, g, b});
    auto noise = [&](int seed) {
        return VImage::gaussnoise(width, height,
                                  VImage::option()->set("sigma", 5.0)->set("mean", 0.0)->set("seed", seed));
    };
    VImage photo = (base + VImage::bandjoin({noise(1), noise(2), noise(3)}))
                       .cast(VIPS_FORMAT_UCHAR)
                       .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    void* buffer = nullptr;
    std::size_t size = 0;
    photo.write_to_buffer(".jpg", &buffer, &size, VImage::option()->set("Q", 90));
    std::string bytes(static_cast<const char*>(buffer), size);
    g_free(buffer);
    return bytes;
}

// Runs a program and waits; no shell, so its start-up is the program's own.
void run_process(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
        throw std::runtime_error("cannot start " + args[0]);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error(args[0] + " failed");
    }
}

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--rounds")
            options.rounds = std::stoi(value());
        else if (arg == "--batch")
            options.batch = std::stoi(value());
        else if (arg == "--out")
            options.out_json = value();
        else if (arg == "--vipsthumbnail")
            options.vipsthumbnail = value();
        else
            throw std::runtime_error("unknown argument " + arg);
    }
    if (options.rounds < 1 || options.batch < 1) throw std::runtime_error("--rounds and --batch must be >= 1");
    return options;
}

struct ResizeResult {
    Stats ours;
    Stats vipsthumbnail;
    double startup_ms;
    int out_width;
    int out_height;
    std::size_t jpeg_bytes;
};

ResizeResult bench_resize(const Options& options) {
    std::string jpeg = make_photo_jpeg();
    fs::path dir = fs::temp_directory_path() / ("vg-bench-image-" + std::to_string(getpid()));
    fs::create_directories(dir);
    fs::path input = dir / "photo.jpg";
    fs::path tiny = dir / "tiny.jpg";
    write_file(input, jpeg);
    {
        void* buffer = nullptr;
        std::size_t size = 0;
        VImage::black(1, 1, VImage::option()->set("bands", 3)).write_to_buffer(".jpg", &buffer, &size);
        write_file(tiny, std::string(static_cast<const char*>(buffer), size));
        g_free(buffer);
    }

    vg::image::ImageConfig config;  // max_side 1024
    // vipsthumbnail with the same box, shrink only ('>'), raw .v output so saving costs ~nothing.
    auto thumbnail_args = [&](const fs::path& file, int copies) {
        std::vector<std::string> args = {options.vipsthumbnail, "--size", "1024x1024>", "-o",
                                         (dir / "%s_out.v").string()};
        for (int i = 0; i < copies; ++i) args.push_back(file.string());
        return args;
    };

    vg::image::RgbImage last;
    auto ours_batch = [&] {
        for (int i = 0; i < options.batch; ++i) last = vg::image::decode_for_model(jpeg, config);
    };
    auto theirs_batch = [&] { run_process(thumbnail_args(input, options.batch)); };

    ours_batch();  // warm-up: page cache, lazy library state, CPU clocks
    theirs_batch();

    std::vector<double> ours_ms, theirs_ms, startup_ms;
    for (int round = 0; round < options.rounds; ++round) {
        auto time_ours = [&] {
            auto start = Clock::now();
            ours_batch();
            ours_ms.push_back(ms_since(start) / options.batch);
        };
        auto time_theirs = [&] {
            auto start = Clock::now();
            run_process(thumbnail_args(tiny, 1));
            double startup = ms_since(start);
            startup_ms.push_back(startup);
            start = Clock::now();
            theirs_batch();
            theirs_ms.push_back((ms_since(start) - startup) / options.batch);
        };
        if (round % 2 == 0) {
            time_ours();
            time_theirs();
        } else {
            time_theirs();
            time_ours();
        }
    }
    fs::remove_all(dir);
    return {stats_of(ours_ms), stats_of(theirs_ms), stats_of(startup_ms).median_ms,
            last.width,        last.height,         jpeg.size()};
}

struct Base64Result {
    double plain_mb_s;
    double mime_mb_s;
    std::size_t text_bytes;
};

// MB/s of base64 text consumed (1 MB = 10^6 bytes).
double decode_rate(const std::string& text, int repeats) {
    std::size_t checksum = 0;
    vg::image::decode_base64(text);  // warm-up
    auto start = Clock::now();
    for (int i = 0; i < repeats; ++i) checksum += vg::image::decode_base64(text).size();
    double seconds = ms_since(start) / 1000;
    if (checksum == 0) throw std::runtime_error("decoded nothing");
    return static_cast<double>(text.size()) * repeats / seconds / 1e6;
}

Base64Result bench_base64() {
    std::mt19937_64 random(1);
    std::string bytes(7'500'000, '\0');  // 10 MB of base64 text
    for (char& c : bytes) c = static_cast<char>(random());
    std::string text = vg::image::encode_base64(bytes);
    std::string mime;
    mime.reserve(text.size() + text.size() / 38);
    for (std::size_t i = 0; i < text.size(); i += 76) mime.append(text, i, 76).append("\r\n");
    return {decode_rate(text, 20), decode_rate(mime, 20), text.size()};
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Options options = parse_options(argc, argv);
        vg::image::init_image_library();

        ResizeResult resize = bench_resize(options);
        double ratio = resize.ours.median_ms / resize.vipsthumbnail.median_ms;
        std::printf("decode+fit 4000x3000 JPEG (Q90, %.1f MB) -> %dx%d, %d rounds x %d images, libvips %s\n",
                    static_cast<double>(resize.jpeg_bytes) / 1e6, resize.out_width, resize.out_height, options.rounds,
                    options.batch, vips_version_string());
        std::printf("  %-26s mean %7.2f ms  median %7.2f ms  min %7.2f ms\n", "ours (decode_for_model)",
                    resize.ours.mean_ms, resize.ours.median_ms, resize.ours.min_ms);
        std::printf("  %-26s mean %7.2f ms  median %7.2f ms  min %7.2f ms\n", "vipsthumbnail (per image)",
                    resize.vipsthumbnail.mean_ms, resize.vipsthumbnail.median_ms, resize.vipsthumbnail.min_ms);
        std::printf("  vipsthumbnail start-up (1x1 image, median): %.2f ms, subtracted from each batch above\n",
                    resize.startup_ms);
        std::printf("  ratio ours/vipsthumbnail (median): %.3f\n", ratio);

        Base64Result base64 = bench_base64();
        std::printf("base64 decode, %.1f MB of text: %.0f MB/s plain, %.0f MB/s with CRLF every 76 chars\n",
                    static_cast<double>(base64.text_bytes) / 1e6, base64.plain_mb_s, base64.mime_mb_s);

        if (!options.out_json.empty()) {
            std::ofstream out(options.out_json);
            out << "{\"resize\": {\"ours_mean_ms\": " << resize.ours.mean_ms
                << ", \"ours_median_ms\": " << resize.ours.median_ms
                << ", \"vipsthumbnail_mean_ms\": " << resize.vipsthumbnail.mean_ms
                << ", \"vipsthumbnail_median_ms\": " << resize.vipsthumbnail.median_ms
                << ", \"vipsthumbnail_startup_ms\": " << resize.startup_ms << ", \"ratio\": " << ratio
                << ", \"rounds\": " << options.rounds << ", \"batch\": " << options.batch
                << "}, \"base64\": {\"plain_mb_s\": " << base64.plain_mb_s << ", \"mime_mb_s\": " << base64.mime_mb_s
                << "}}\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_image: %s\n", e.what());
        return 1;
    }
}
