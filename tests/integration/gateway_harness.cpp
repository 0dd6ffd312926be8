#include "integration/gateway_harness.hpp"

#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace vg::test {

using namespace std::chrono_literals;

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
    for (const auto& [name, value] : values) {
        const std::string token = "@" + name + "@";
        for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
            text.replace(at, token.size(), value);
        }
    }
    if (auto at = text.find('@'); at != std::string::npos && text.find('@', at + 1) != std::string::npos) {
        throw std::invalid_argument("unfilled placeholder in: " + text.substr(at, 40));
    }
    return text;
}

std::string gateway_file(const std::string& body) {
    std::string out = "log: {level: warn}\ngateway:\n  server: {host: 127.0.0.1, port: 0}\n";
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty()) out += "  " + line + "\n";
    }
    return out;
}

TempFile::TempFile(const std::string& suffix) {
    std::string pattern = (std::filesystem::temp_directory_path() / "vg-gateway-test-XXXXXX").string() + suffix;
    const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
    if (fd < 0) throw std::runtime_error("mkstemps failed for " + pattern);
    ::close(fd);
    path_ = pattern;
}

TempFile::~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

void TempFile::write(const std::string& text) const {
    // Written beside and renamed over, so that a reader never sees half a file.
    const std::string next = path_ + ".next";
    {
        std::ofstream out(next, std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + next);
    }
    std::filesystem::rename(next, path_);
}

GatewayProcess::GatewayProcess(const std::string& file_text) : file_(".yaml") {
    file_.write(file_text);
    process_ = std::make_unique<ChildProcess>(VG_BINARY, std::vector<std::string>{"gateway", "--config", file_.path()});
    port_ = process_->wait_for_port();
}

GatewayProcess::~GatewayProcess() {
    stop();
}

void GatewayProcess::reload(const std::string& file_text) {
    file_.write(file_text);
    process_->signal(SIGHUP);
}

std::optional<int> GatewayProcess::stop() {
    if (stopped_) return process_->wait(0ms);
    stopped_ = true;
    process_->signal(SIGTERM);
    return process_->wait(10s);
}

std::optional<RawResponse> GatewayProcess::request(const std::string& method, const std::string& target,
                                                   const std::string& body, const std::string& extra_headers) const {
    return http_request(port_, method, target, body, extra_headers);
}

std::string GatewayProcess::metrics() const {
    auto response = http_request(port_, "GET", "/metrics");
    return response ? response->body : std::string{};
}

std::optional<double> GatewayProcess::metric(const std::string& series) const {
    // The series name must be followed by the value, so that "x{a=\"1\"}" does not match "x{a=\"1\",b...".
    return metric_value(metrics(), series + " ");
}

bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::string instance_series(const std::string& metric, const std::string& upstream, unsigned short port) {
    return metric + "{instance=\"127.0.0.1:" + std::to_string(port) + "\",upstream=\"" + upstream + "\"}";
}

std::string error_code(const RawResponse& response) {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return {};
    return body["error"].value("code", "");
}

Delayer::Delayer() : thread_([this] { run(); }) {}

Delayer::~Delayer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::shared_ptr<Gate> Delayer::gate_after(std::chrono::milliseconds delay) {
    auto gate = std::make_shared<Gate>();
    {
        std::lock_guard lock(mutex_);
        pending_.emplace(std::chrono::steady_clock::now() + delay, gate);
    }
    wake_.notify_all();
    return gate;
}

void Delayer::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (pending_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const auto first = pending_.begin();
        if (std::chrono::steady_clock::now() < first->first) {
            wake_.wait_until(lock, first->first);
            continue;
        }
        auto gate = first->second;
        pending_.erase(first);
        lock.unlock();
        gate->open();
        lock.lock();
    }
}

RequestLoop::RequestLoop(Send send)
    : send_(std::move(send)), thread_([this] {
          while (true) {
              {
                  std::lock_guard lock(mutex_);
                  if (stopping_) return;
              }
              auto response = send_();
              std::lock_guard lock(mutex_);
              ++sent_;
              if (response && response->status == 200) continue;
              ++failed_;
              if (failures_.size() < 5) {
                  failures_.push_back(response ? std::to_string(response->status) + " " + response->body.substr(0, 200)
                                               : "no answer");
              }
          }
      }) {}

RequestLoop::~RequestLoop() {
    stop();
}

void RequestLoop::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
}

std::size_t RequestLoop::sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

std::size_t RequestLoop::failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
}

std::vector<std::string> RequestLoop::failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
}

bool RequestLoop::wait_for_more(std::size_t more, std::chrono::milliseconds timeout) const {
    const std::size_t target = sent() + more;
    return poll_until([&] { return sent() >= target; }, timeout);
}

std::string api_key_hash(const std::string& key, const std::string& salt) {
    std::string salt_bytes;
    for (std::size_t i = 0; i + 1 < salt.size(); i += 2)
        salt_bytes += static_cast<char>(std::stoi(salt.substr(i, 2), nullptr, 16));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx.get(), salt_bytes.data(), salt_bytes.size());
    EVP_DigestUpdate(ctx.get(), key.data(), key.size());
    EVP_DigestFinal_ex(ctx.get(), digest, &size);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256$" + salt + "$";
    for (unsigned int i = 0; i < size; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0x0f];
    }
    return out;
}

}  // namespace vg::test
