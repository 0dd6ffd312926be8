#include "monitor/prometheus_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/raw_http.hpp"

namespace vg::test {

namespace {

using namespace std::chrono_literals;

// A port the kernel just handed out; Prometheus cannot listen on port 0 and tell us which it got.
unsigned short free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace

PrometheusProcess::PrometheusProcess() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vg-prometheus-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    std::ofstream(dir_ + "/prometheus.yml") << "global: {scrape_interval: 1h}\nscrape_configs: []\n";
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (start()) return;
    }
    throw std::runtime_error("prometheus did not become ready");
}

bool PrometheusProcess::start() {
    port_ = free_port();
    process_ = std::make_unique<ChildProcess>(
        kPrometheusBinary,
        std::vector<std::string>{"--config.file=" + dir_ + "/prometheus.yml", "--storage.tsdb.path=" + dir_ + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"});
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto response = http_request(port_, "GET", "/-/ready"); response && response->status == 200) return true;
        if (process_->wait(0ms)) {  // exited: most likely the port was taken meanwhile
            process_.reset();
            return false;
        }
        std::this_thread::sleep_for(50ms);  // polling a condition with a deadline, not synchronising on time
    }
    throw std::runtime_error("prometheus not ready within 30 s: " + process_->stderr_text());
}

PrometheusProcess::~PrometheusProcess() {
    if (process_) {
        process_->signal(SIGTERM);
        if (!process_->wait(10s)) process_->signal(SIGKILL);
        process_->wait(10s);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

}  // namespace vg::test
