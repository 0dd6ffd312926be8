// The business role's model client against fake model services on loopback: the request it sends,
// how answers and errors come back, image-hash affinity, failover and the deadline.
#include "services/business/model_client.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <set>
#include <thread>

#include "cluster/clock.hpp"
#include "cluster/upstream_fixture.hpp"
#include "cluster/upstream_metrics.hpp"
#include "support/fake_upstream.hpp"

namespace vg::services::business {
namespace {

using namespace std::chrono_literals;
using test::FakeUpstream;
using test::RecordedRequest;
using test::Reply;

ModelClientConfig parse(const std::string& yaml) {
    return parse_model_client_config(ConfigNode(YAML::Load(yaml), YAML::Node(YAML::NodeType::Map), "business.model"));
}

std::string answer_body(const std::string& text, const std::string& instance) {
    return nlohmann::json{{"result", text}, {"model", "tiny"}, {"instance", instance}, {"usage", {{"completion_tokens", 3}}}}.dump();
}

// A model service that answers every infer with its own name.
std::unique_ptr<FakeUpstream> model_service(const std::string& name) {
    return std::make_unique<FakeUpstream>([name](const RecordedRequest&) {
        return Reply::respond(200, answer_body("answer from " + name, name)).header("Content-Type", "application/json");
    });
}

class ModelClientTest : public ::testing::Test {
protected:
    ModelClientTest() : work_(io_.get_executor()), metrics_(registry_) { thread_ = std::thread([this] { io_.run(); }); }
    ~ModelClientTest() override {
        client_.reset();
        work_.reset();
        io_.stop();
        thread_.join();
    }

    void start(const std::string& yaml) {
        client_ = std::make_unique<ModelClient>(parse(yaml), ModelClientDeps{io_, clock_, Logger(), metrics_});
        client_->start();
    }

    ModelOutcome infer(ModelQuery query) {
        std::promise<ModelOutcome> done;
        client_->infer(query, [&done](ModelOutcome outcome) { done.set_value(std::move(outcome)); });
        auto future = done.get_future();
        EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
        return future.get();
    }

    static ModelQuery query(const std::string& hash = "hash-1") {
        ModelQuery q;
        q.image_base64 = "aW1hZ2U=";
        q.image_hash = hash;
        q.question = "what is it?";
        q.max_tokens = 64;
        q.request_id = "req-1";
        return q;
    }

    static std::string instances(std::initializer_list<unsigned short> ports) {
        std::string list;
        for (auto port : ports) list += (list.empty() ? "" : ", ") + std::string("\"127.0.0.1:") + std::to_string(port) + "\"";
        return "instances: [" + list + "]\nhealth_check: {enabled: false}\n";
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    cluster::SteadyClock clock_;
    prometheus::Registry registry_;
    cluster::UpstreamMetrics metrics_;
    std::unique_ptr<ModelClient> client_;
};

TEST(ModelClientConfigTest, DefaultsAreTheOriginalFeignClientsPlusImageAffinity) {
    auto config = parse("{}");
    EXPECT_EQ(config.timeout, 30s);
    ASSERT_EQ(config.upstream.instances.size(), 1u);
    EXPECT_EQ(config.upstream.instances[0].id(), "127.0.0.1:8081");
    EXPECT_EQ(config.upstream.load_balancing, "consistent_hash");
    EXPECT_EQ(config.upstream.client.max_connections_per_host, 100u);
}

TEST(ModelClientConfigTest, SettingsOverrideDefaultsAndDnsReplacesTheInstances) {
    auto config = parse("timeout: 5s\ndns: {name: model, port: 8081}\nload_balancing: round_robin\n");
    EXPECT_EQ(config.timeout, 5s);
    EXPECT_TRUE(config.upstream.instances.empty());
    ASSERT_TRUE(config.upstream.dns);
    EXPECT_EQ(config.upstream.dns->name, "model");
    EXPECT_EQ(config.upstream.load_balancing, "round_robin");
    EXPECT_THROW(parse("timeout: 0s"), ConfigError);
    EXPECT_THROW(parse("retry: {max_attempts: 0}"), ConfigError);
}

TEST_F(ModelClientTest, SendsTheInferRequestAndReadsTheAnswer) {
    auto model = model_service("a");
    start(instances({model->port()}));
    auto q = query();
    q.json_schema = {{"type", "object"}};
    auto outcome = infer(q);
    ASSERT_TRUE(std::holds_alternative<ModelAnswer>(outcome));
    const auto& answer = std::get<ModelAnswer>(outcome);
    EXPECT_EQ(answer.text, "answer from a");
    EXPECT_EQ(answer.instance, "a");
    EXPECT_EQ(answer.usage["completion_tokens"], 3);
    ASSERT_EQ(model->request_count(), 1u);
    const auto sent = model->requests()[0];
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.target, "/api/model/infer");
    EXPECT_EQ(sent.headers.get_or("X-Request-Id", ""), "req-1");
    EXPECT_FALSE(sent.headers.get_or("X-VisionGrid-Timeout-Ms", "").empty());
    auto body = nlohmann::json::parse(sent.body);
    EXPECT_EQ(body["image"], "aW1hZ2U=");
    EXPECT_EQ(body["question"], "what is it?");
    EXPECT_EQ(body["max_tokens"], 64);
    EXPECT_EQ(body["json_schema"], (nlohmann::json{{"type", "object"}}));
}

TEST_F(ModelClientTest, TheModelServicesOwnErrorIsPassedOn) {
    FakeUpstream model([](const RecordedRequest&) {
        return Reply::respond(400, R"({"error":{"code":"image_invalid","message":"not an image"}})")
            .header("Content-Type", "application/json");
    });
    start(instances({model.port()}));
    auto outcome = infer(query());
    ASSERT_TRUE(std::holds_alternative<ModelError>(outcome));
    EXPECT_EQ(std::get<ModelError>(outcome).status, 400);
    EXPECT_EQ(std::get<ModelError>(outcome).code, "image_invalid");
    EXPECT_EQ(std::get<ModelError>(outcome).message, "not an image");
    EXPECT_EQ(model.request_count(), 1u) << "a 400 is the answer, not a reason to retry";
}

TEST_F(ModelClientTest, TheSameImageGoesToTheSameInstance) {
    auto a = model_service("a");
    auto b = model_service("b");
    auto c = model_service("c");
    start(instances({a->port(), b->port(), c->port()}));
    std::map<std::string, std::set<std::string>> served_by;
    for (int round = 0; round < 3; ++round) {
        for (int image = 0; image < 12; ++image) {
            auto outcome = infer(query("image-" + std::to_string(image)));
            ASSERT_TRUE(std::holds_alternative<ModelAnswer>(outcome));
            served_by["image-" + std::to_string(image)].insert(std::get<ModelAnswer>(outcome).instance);
        }
    }
    std::set<std::string> used;
    for (const auto& [image, instances] : served_by) {
        EXPECT_EQ(instances.size(), 1u) << image;
        used.insert(instances.begin(), instances.end());
    }
    EXPECT_GE(used.size(), 2u) << "12 images all hashed to one of three instances";
}

TEST_F(ModelClientTest, ADeadInstanceIsSkippedByARetry) {
    cluster::testing::DeadPort dead;
    auto alive = model_service("alive");
    start(instances({dead.port(), alive->port()}) + "load_balancing: round_robin\nretry: {max_attempts: 3, backoff: {initial: 1ms, max: 5ms}}\n");
    for (int i = 0; i < 4; ++i) {
        auto outcome = infer(query("h" + std::to_string(i)));
        ASSERT_TRUE(std::holds_alternative<ModelAnswer>(outcome)) << std::get<ModelError>(outcome).message;
        EXPECT_EQ(std::get<ModelAnswer>(outcome).instance, "alive");
    }
}

TEST_F(ModelClientTest, AStalledModelEndsInAGatewayTimeoutAtTheDeadline) {
    FakeUpstream stalled([](const RecordedRequest&) { return Reply::stall(); });
    start(instances({stalled.port()}) + "timeout: 200ms\nretry: {max_attempts: 1}\n");
    const auto started = std::chrono::steady_clock::now();
    auto outcome = infer(query());
    ASSERT_TRUE(std::holds_alternative<ModelError>(outcome));
    EXPECT_EQ(std::get<ModelError>(outcome).status, 504);
    EXPECT_EQ(std::get<ModelError>(outcome).code, "model_upstream_timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(ModelClientParseTest, ServerErrorsBecomeBadGatewayUnlessTheyAreAlready503Or504) {
    auto busy = parse_infer_response(503, R"({"error":{"code":"queue_full","message":"busy"}})");
    ASSERT_TRUE(std::holds_alternative<ModelError>(busy));
    EXPECT_EQ(std::get<ModelError>(busy).status, 503);
    EXPECT_EQ(std::get<ModelError>(busy).code, "queue_full");
    auto broken = parse_infer_response(500, "not json");
    EXPECT_EQ(std::get<ModelError>(broken).status, 502);
    EXPECT_EQ(std::get<ModelError>(broken).code, "model_error");
    auto empty = parse_infer_response(200, R"({"usage":{}})");
    EXPECT_EQ(std::get<ModelError>(empty).code, "model_bad_response");
}

}  // namespace
}  // namespace vg::services::business
