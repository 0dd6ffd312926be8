#pragma once

#include <memory>
#include <string>

#include "support/child_process.hpp"

namespace vg::test {

inline constexpr const char* kPrometheusBinary = "/usr/bin/prometheus";

// A real Prometheus server (Debian's `prometheus` package) on loopback, a free port and a temporary
// storage directory, scraping nothing. Ready (/-/ready answered 200) when the constructor returns;
// throws std::runtime_error with its output otherwise. The destructor stops it and removes the files.
class PrometheusProcess {
public:
    PrometheusProcess();
    ~PrometheusProcess();
    PrometheusProcess(const PrometheusProcess&) = delete;
    PrometheusProcess& operator=(const PrometheusProcess&) = delete;

    unsigned short port() const { return port_; }

private:
    bool start();  // false when it exited before becoming ready (the port was taken meanwhile)

    std::string dir_;
    unsigned short port_ = 0;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace vg::test
