#pragma once

// The real `visiongrid business` binary for a test: a SQLite store in a temporary directory, the
// model pool pointed at a fake model service on loopback.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/raw_http.hpp"

namespace vg::test {

class BusinessProcessTest : public ::testing::Test {
protected:
    BusinessProcessTest()
        : dir_(std::filesystem::temp_directory_path() /
               ("vg-business-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
        std::filesystem::create_directories(dir_);
    }
    ~BusinessProcessTest() override {
        stop();
        std::filesystem::remove_all(dir_);
    }

    // `extra` holds more --set assignments ("business.jobs.concurrency=2").
    void start(unsigned short model_port, std::vector<std::string> extra = {}, const std::string& model_timeout = "5s") {
        process_ = spawn(model_port, std::move(extra), model_timeout);
        port_ = process_->wait_for_port();
    }

    // Another `visiongrid business` process (a replica); its store is the default SQLite file unless
    // `extra` sets business.store.url.
    std::unique_ptr<ChildProcess> spawn(unsigned short model_port, std::vector<std::string> extra = {},
                                        const std::string& model_timeout = "5s") const {
        std::vector<std::string> args{"business", "--set", "business.server.port=0", "--set", "business.server.host=127.0.0.1",
                                      "--set", "business.store.url=sqlite://" + (dir_ / "results.db").string(), "--set",
                                      "business.model.instances=[\"127.0.0.1:" + std::to_string(model_port) + "\"]", "--set",
                                      "business.model.health_check.enabled=false", "--set", "business.model.timeout=" + model_timeout,
                                      "--set", "business.jobs.poll_interval=100ms", "--set", "log.level=warn"};
        for (auto& arg : extra) {
            args.push_back("--set");
            args.push_back(std::move(arg));
        }
        return std::make_unique<ChildProcess>(VG_BINARY, args);
    }

    void stop(int signo = SIGTERM) {
        if (!process_) return;
        process_->signal(signo);
        process_->wait(std::chrono::seconds(10));
        process_.reset();
    }

    static std::string code_of(const RawResponse& response) {
        return nlohmann::json::parse(response.body)["error"]["code"];
    }

    static inline int counter_ = 0;
    std::filesystem::path dir_;
    std::unique_ptr<ChildProcess> process_;
    unsigned short port_ = 0;
};

}  // namespace vg::test
