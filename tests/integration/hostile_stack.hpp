#pragma once

// A whole platform on loopback for the hostile-input and security tests: a fake OpenAI-compatible
// upstream behind `visiongrid model` (model.engine=remote, so no llama.cpp is needed), `visiongrid
// business` on SQLite, and `visiongrid gateway` in front with its default routes, API keys and an
// HS256 JWT key. Short header and body timeouts on the gateway make slow clients cheap to test.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "image/base64.hpp"
#include "integration/gateway_harness.hpp"
#include "support/child_process.hpp"
#include "support/fake_openai_server.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test {

// Credentials the stack accepts. The JWT secret is 32+ bytes, as HS256 keys must be.
inline const std::string kStackKey = "vg_hostile-stack-key-0123456789abcdefghijklmno";
inline const std::string kBusinessOnlyKey = "vg_business-only-key-0123456789abcdefghijklm";
inline const std::string kJwtSecret = "hostile-stack-jwt-secret-0123456789abcdef";
inline const std::string kJwtIssuer = "vg-hostile-tests";
// The gateway's read deadlines: a slow client is cut off after this (plus the server's 50 ms tick).
inline constexpr std::chrono::milliseconds kStackReadTimeout{1000};

// A product_analysis answer that passes the task's schema: what the fake upstream says by default,
// so that a good business request is a 200.
inline std::string valid_product_analysis() {
    return nlohmann::json{{"product_name", "mug"},
                          {"category", "kitchen"},
                          {"attributes", {{"color", "red"}, {"material", nullptr}, {"brand", nullptr}}},
                          {"intended_use", "drinking"},
                          {"description", "a red mug"}}
        .dump();
}

class HostileStack {
public:
    // `business_extra`: more --set assignments for the business role.
    explicit HostileStack(std::vector<std::string> business_extra = {})
        : dir_(std::filesystem::temp_directory_path() /
               ("vg-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++))) {
        std::filesystem::create_directories(dir_);
        upstream_.set_default(OpenAiReply::stream({valid_product_analysis()}).with_usage(20, 10));
        model_ = std::make_unique<ChildProcess>(
            VG_BINARY,
            std::vector<std::string>{"model", "--set", "model.engine=remote", "--set",
                                     "model.remote.url=" + upstream_.base_url(), "--set", "model.server.port=0",
                                     "--set", "model.server.host=127.0.0.1", "--set", "log.level=warn"});
        model_port_ = model_->wait_for_port();
        std::vector<std::string> args{"business",
                                      "--set",
                                      "business.server.port=0",
                                      "--set",
                                      "business.server.host=127.0.0.1",
                                      "--set",
                                      "business.store.url=sqlite://" + (dir_ / "results.db").string(),
                                      "--set",
                                      "business.model.instances=[\"127.0.0.1:" + std::to_string(model_port_) + "\"]",
                                      "--set",
                                      "business.model.health_check.enabled=false",
                                      "--set",
                                      "business.model.timeout=10s",
                                      "--set",
                                      "business.jobs.poll_interval=100ms",
                                      "--set",
                                      "log.level=warn"};
        for (auto& extra : business_extra) {
            args.push_back("--set");
            args.push_back(std::move(extra));
        }
        business_ = std::make_unique<ChildProcess>(VG_BINARY, args);
        business_port_ = business_->wait_for_port();
        gateway_ = std::make_unique<GatewayProcess>(fill(R"(log: {level: warn}
gateway:
  server: {host: 127.0.0.1, port: 0, header_timeout: @READ@ms, body_timeout: @READ@ms}
  upstreams:
    model: {instances: ["127.0.0.1:@MODEL@"]}
    business: {instances: ["127.0.0.1:@BUSINESS@"]}
    monitor: {instances: ["127.0.0.1:9"], health_check: {enabled: false}}
  auth:
    api_keys:
      - {name: tester, hash: "@HASH@", scopes: [model, business, monitor]}
      - {name: business-only, hash: "@BUSINESS_HASH@", scopes: [business]}
    jwt:
      issuer: @ISSUER@
      leeway: 0s
      keys: [{kid: k1, algorithm: HS256, secret: "@SECRET@"}]
)",
                                                         {{"READ", std::to_string(kStackReadTimeout.count())},
                                                          {"MODEL", port_text(model_port_)},
                                                          {"BUSINESS", port_text(business_port_)},
                                                          {"HASH", api_key_hash(kStackKey)},
                                                          {"BUSINESS_HASH", api_key_hash(kBusinessOnlyKey)},
                                                          {"ISSUER", kJwtIssuer},
                                                          {"SECRET", kJwtSecret}}));
    }

    ~HostileStack() {
        gateway_.reset();
        for (auto* process : {business_.get(), model_.get()}) {
            process->signal(SIGTERM);
            process->wait(std::chrono::seconds(20));
        }
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    HostileStack(const HostileStack&) = delete;
    HostileStack& operator=(const HostileStack&) = delete;

    FakeOpenAiServer& upstream() { return upstream_; }
    GatewayProcess& gateway() { return *gateway_; }
    unsigned short gateway_port() const { return gateway_->port(); }
    unsigned short model_port() const { return model_port_; }
    unsigned short business_port() const { return business_port_; }
    const std::filesystem::path& dir() const { return dir_; }

    // A request through the gateway with the full-scope API key.
    std::optional<RawResponse> send(const std::string& method, const std::string& target, const std::string& body = {},
                                    const std::string& headers = {}) {
        return gateway_->request(method, target, body, "Authorization: Bearer " + kStackKey + "\r\n" + headers);
    }

    // A request every role must be able to answer: a model inference and a business task through the
    // gateway, both 200.
    bool serves_good_requests() {
        const std::string image =
            image::encode_base64(image::testing::encode(image::testing::solid(24, 16, {10, 200, 90}), ".png"));
        auto infer =
            send("POST", "/api/model/infer", nlohmann::json{{"image", image}, {"question", "what is it?"}}.dump(),
                 "Content-Type: application/json\r\n");
        auto task = send("POST", "/api/product/analysis", nlohmann::json{{"image", image}}.dump(),
                         "Content-Type: application/json\r\n");
        return infer && infer->status == 200 && task && task->status == 200;
    }

    // Every process still running (none crashed or exited).
    bool all_alive() {
        return !gateway_->process().wait(std::chrono::milliseconds(0)) && !model_->wait(std::chrono::milliseconds(0)) &&
               !business_->wait(std::chrono::milliseconds(0));
    }

    // Reads what the roles logged so far, so that their pipes never fill during a long test.
    std::string drain_logs() {
        return gateway_->process().stderr_text() + model_->stderr_text() + business_->stderr_text();
    }

private:
    static int& counter() {
        static int value = 0;
        return value;
    }

    std::filesystem::path dir_;
    FakeOpenAiServer upstream_;
    std::unique_ptr<ChildProcess> model_;
    std::unique_ptr<ChildProcess> business_;
    std::unique_ptr<GatewayProcess> gateway_;
    unsigned short model_port_ = 0;
    unsigned short business_port_ = 0;
};

}  // namespace vg::test
