#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/fake_upstream.hpp"
#include "support/raw_http.hpp"

// What the gateway integration tests share: the real `visiongrid gateway` run from a YAML file the
// test writes (so that SIGHUP can re-read it), and small helpers around it.
namespace vg::test {

// `text` with every "@NAME@" replaced by its value: upstream ports are only known once they listen.
std::string fill(std::string text, const std::map<std::string, std::string>& values);

inline std::string port_text(unsigned short port) {
    return std::to_string(port);
}

// A whole config file: log level warn, the gateway on 127.0.0.1 port 0, then `body` (the rest of
// the `gateway:` section, written without indentation) nested under it.
std::string gateway_file(const std::string& body);

// A file in the temporary directory, removed by the destructor.
class TempFile {
public:
    explicit TempFile(const std::string& suffix);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    void write(const std::string& text) const;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// A `visiongrid gateway -c FILE` process, started and listening when the constructor returns.
class GatewayProcess {
public:
    // `file_text` is the whole config file, e.g. gateway_file(...).
    explicit GatewayProcess(const std::string& file_text);
    ~GatewayProcess();

    unsigned short port() const { return port_; }
    ChildProcess& process() { return *process_; }

    // Rewrites the config file and sends SIGHUP.
    void reload(const std::string& file_text);
    // SIGTERM, then the exit code (nullopt when it did not exit in time).
    std::optional<int> stop();

    std::optional<RawResponse> request(const std::string& method, const std::string& target,
                                       const std::string& body = {}, const std::string& extra_headers = {}) const;
    std::string metrics() const;
    // A sample of the gateway's /metrics, e.g. metric("visiongrid_upstream_retries_total{upstream=\"m\"}").
    std::optional<double> metric(const std::string& series) const;

private:
    TempFile file_;
    std::unique_ptr<ChildProcess> process_;
    unsigned short port_ = 0;
    bool stopped_ = false;
};

// Asks `condition` every few milliseconds until it holds (true) or `timeout` passes (false).
bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kDefaultWait);

// "visiongrid_upstream_instance_healthy{instance=\"127.0.0.1:PORT\",upstream=\"NAME\"}": prometheus-cpp
// writes labels in name order.
std::string instance_series(const std::string& metric, const std::string& upstream, unsigned short port);

// The "error.code" of a JSON error body; empty when the body is not one.
std::string error_code(const RawResponse& response);

// Opens gates after a delay, on its own thread: an upstream's latency, not a synchronisation.
class Delayer {
public:
    Delayer();
    ~Delayer();
    Delayer(const Delayer&) = delete;
    Delayer& operator=(const Delayer&) = delete;

    std::shared_ptr<Gate> gate_after(std::chrono::milliseconds delay);

private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<std::chrono::steady_clock::time_point, std::shared_ptr<Gate>> pending_;
    bool stopping_ = false;
    std::thread thread_;  // last: started once the rest exists
};

// Sends requests one after another on its own thread until stopped: load, and a record of every
// answer that was not a 200.
class RequestLoop {
public:
    using Send = std::function<std::optional<RawResponse>()>;
    explicit RequestLoop(Send send);
    ~RequestLoop();
    RequestLoop(const RequestLoop&) = delete;
    RequestLoop& operator=(const RequestLoop&) = delete;

    void stop();
    std::size_t sent() const;
    std::size_t failed() const;
    // The first few failures, described ("503 no_healthy_upstream", "no answer").
    std::vector<std::string> failures() const;
    // Waits until `more` requests have been answered after the call.
    bool wait_for_more(std::size_t more, std::chrono::milliseconds timeout = kDefaultWait) const;

private:
    Send send_;
    mutable std::mutex mutex_;
    bool stopping_ = false;
    std::size_t sent_ = 0;
    std::size_t failed_ = 0;
    std::vector<std::string> failures_;
    std::thread thread_;  // last: started once the rest exists
};

// A salted SHA-256 key hash in the gateway's stored format ("sha256$<salt hex>$<digest hex>"),
// computed here with OpenSSL, independently of the code under test.
std::string api_key_hash(const std::string& key, const std::string& salt = "0123456789abcdef");

}  // namespace vg::test
