// Load generator for bench/model/run: drives one OpenAI-compatible server (visiongrid model or
// llama-server) with image+question chat completions at a fixed concurrency and prints one JSON
// line with requests/s and latency percentiles. Both servers get byte-identical requests.
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vips/vips8>

#include "image/base64.hpp"
#include "net/http_client.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
    std::string url;           // http://127.0.0.1:PORT
    std::string images_dir;    // where the generated images live (made once)
    int image_count = 50;
    int concurrency = 1;
    int requests = 50;
    int max_tokens = 32;
    bool repeat = false;       // half the requests reuse an earlier image with a new question
    int offset = 0;            // question numbering offset so runs never repeat a prompt exactly
};

// ≥50 distinct photos-like images, 640x480 up to 4000x3000, alternating JPEG and PNG.
std::vector<std::string> make_images(const std::string& dir, int count) {
    std::filesystem::create_directories(dir);
    const std::pair<int, int> sizes[] = {{640, 480}, {800, 600}, {1024, 768}, {1280, 960}, {1600, 1200}, {2048, 1536}, {3000, 2250}, {4000, 3000}};
    std::vector<std::string> files;
    for (int i = 0; i < count; ++i) {
        auto [w, h] = sizes[static_cast<std::size_t>(i) % std::size(sizes)];
        std::string path = dir + "/image-" + std::to_string(i) + (i % 2 ? ".png" : ".jpg");
        if (!std::filesystem::exists(path)) {
            // Smooth gradients plus noise: compresses like a photo, differs per image.
            auto xy = vips::VImage::xyz(w, h);
            auto bands = xy.bandsplit();
            auto r = (bands[0] * (255.0 / w) + i * 11) % 256;
            auto g = (bands[1] * (255.0 / h) + i * 23) % 256;
            auto b = ((bands[0] + bands[1]) * (128.0 / (w + h)) + i * 37) % 256;
            auto noise = vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 4.0));
            auto image = (r.bandjoin(g).bandjoin(b) + noise.bandjoin(noise).bandjoin(noise)).cast(VIPS_FORMAT_UCHAR);
            image.write_to_file(path.c_str(), i % 2 ? vips::VImage::option()->set("compression", 6)
                                                    : vips::VImage::option()->set("Q", 90));
        }
        files.push_back(path);
    }
    return files;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string chat_body(const std::string& data_uri, int number, int max_tokens) {
    json body = {{"model", "bench"},
                 {"messages",
                  {{{"role", "user"},
                    {"content", {{{"type", "image_url"}, {"image_url", {{"url", data_uri}}}},
                                 {{"type", "text"}, {"text", "Question " + std::to_string(number) + ": what does this picture show?"}}}}}}},
                 {"max_tokens", max_tokens},
                 {"temperature", 0},
                 {"seed", 42}};
    return body.dump();
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    std::size_t index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--url") o.url = v;
        else if (k == "--images") o.images_dir = v;
        else if (k == "--image-count") o.image_count = std::stoi(v);
        else if (k == "--concurrency") o.concurrency = std::stoi(v);
        else if (k == "--requests") o.requests = std::stoi(v);
        else if (k == "--max-tokens") o.max_tokens = std::stoi(v);
        else if (k == "--workload") o.repeat = v == "repeat";
        else if (k == "--offset") o.offset = std::stoi(v);
        else {
            std::cerr << "unknown option " << k << "\n";
            return 2;
        }
    }
    if (o.url.empty() || o.images_dir.empty()) {
        std::cerr << "usage: bench_model --url URL --images DIR [--concurrency N] [--requests N] [--max-tokens N] [--workload distinct|repeat]\n";
        return 2;
    }
    if (VIPS_INIT(argv[0])) return 1;
    auto files = make_images(o.images_dir, o.image_count);
    std::vector<std::string> uris;
    for (const auto& f : files) uris.push_back(std::string(f.ends_with(".png") ? "data:image/png" : "data:image/jpeg") + ";base64," +
                                               vg::image::encode_base64(read_file(f)));
    // Request i: distinct workload walks the images; repeat workload shows every image twice,
    // the second time with a new question.
    std::vector<std::string> bodies;
    for (int i = 0; i < o.requests; ++i) {
        int image = o.repeat ? (i / 2) : i;
        bodies.push_back(chat_body(uris[static_cast<std::size_t>((image + o.offset) % o.image_count)], i + o.offset, o.max_tokens));
    }

    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    std::thread io_thread([&] { io.run(); });
    vg::net::HttpClient client(io, vg::net::ClientConfig{});
    std::mutex mutex;
    std::vector<double> latencies;
    int errors = 0;
    std::atomic<int> next{0};
    std::promise<void> all_done;
    std::atomic<int> finished{0};
    std::function<void()> launch = [&] {
        int i = next.fetch_add(1);
        if (i >= o.requests) return;
        vg::net::ClientRequest request;
        request.method = "POST";
        request.url = o.url + "/v1/chat/completions";
        request.headers.set("Content-Type", "application/json");
        request.body = bodies[static_cast<std::size_t>(i)];
        request.timeout = std::chrono::minutes(5);
        auto start = Clock::now();
        client.send(std::move(request), [&, start](vg::net::ClientResult result) {
            double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            {
                std::lock_guard lock(mutex);
                if (result.ok() && result.response.status == 200) latencies.push_back(ms);
                else {
                    if (errors++ < 3) std::cerr << "error: " << result.error_message << " status " << result.response.status << " " << result.response.body.substr(0, 200) << "\n";
                }
            }
            if (finished.fetch_add(1) + 1 == o.requests) all_done.set_value();
            else launch();
        });
    };
    auto start = Clock::now();
    for (int c = 0; c < o.concurrency; ++c) launch();
    all_done.get_future().wait();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    client.shutdown();
    guard.reset();
    io.stop();
    io_thread.join();
    json out = {{"requests", o.requests},     {"concurrency", o.concurrency},
                {"errors", errors},           {"seconds", seconds},
                {"rps", (o.requests - errors) / seconds}, {"p50_ms", percentile(latencies, 0.5)},
                {"p99_ms", percentile(latencies, 0.99)}, {"workload", o.repeat ? "repeat" : "distinct"}};
    std::cout << out.dump() << std::endl;
    vips_shutdown();
    return errors == 0 ? 0 : 1;
}
