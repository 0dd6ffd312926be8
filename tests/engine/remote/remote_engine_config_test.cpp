#include "engine/remote/remote_engine_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace vg::engine {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

RemoteEngineConfig parse(const std::string& yaml) {
    const YAML::Node source = YAML::Load(yaml);
    return parse_remote_engine_config(ConfigNode(source, YAML::Node(), "model.remote"));
}

std::string error_of(const std::string& yaml) {
    try {
        parse(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(RemoteEngineConfigTest, Defaults) {
    const RemoteEngineConfig config = parse("{}");
    EXPECT_EQ(config.url, "");
    EXPECT_EQ(config.api_key, "");
    EXPECT_EQ(config.model, "");
    EXPECT_EQ(config.timeout, 120s);
    EXPECT_EQ(config.connect_timeout, 2s);
    EXPECT_EQ(config.max_connections, 64u);
    EXPECT_EQ(config.max_queue, 64u);
    EXPECT_EQ(config.image_tokens_per_32px, 1);
}

TEST(RemoteEngineConfigTest, ReadsEveryKey) {
    const RemoteEngineConfig config = parse(R"(
url: https://gpu-box:8000
api_key: sk-123
model: qwen3-vl-8b
timeout: 30s
connect_timeout: 500ms
max_connections: 8
max_queue: 3
image_tokens_per_32px: 2
)");
    EXPECT_EQ(config.url, "https://gpu-box:8000");
    EXPECT_EQ(config.api_key, "sk-123");
    EXPECT_EQ(config.model, "qwen3-vl-8b");
    EXPECT_EQ(config.timeout, 30s);
    EXPECT_EQ(config.connect_timeout, 500ms);
    EXPECT_EQ(config.max_connections, 8u);
    EXPECT_EQ(config.max_queue, 3u);
    EXPECT_EQ(config.image_tokens_per_32px, 2);
}

TEST(RemoteEngineConfigTest, RejectsUnknownKeysByFullPath) {
    EXPECT_THAT(error_of("urll: http://x"), HasSubstr("model.remote.urll"));
}

TEST(RemoteEngineConfigTest, RejectsBadValues) {
    EXPECT_THAT(error_of("url: gpu-box:8000"), HasSubstr("model.remote.url"));
    EXPECT_THAT(error_of("timeout: 0"), HasSubstr("model.remote.timeout"));
    EXPECT_THAT(error_of("connect_timeout: 0"), HasSubstr("model.remote.connect_timeout"));
    EXPECT_THAT(error_of("max_connections: 0"), HasSubstr("model.remote.max_connections"));
    EXPECT_THAT(error_of("image_tokens_per_32px: 0"), HasSubstr("model.remote.image_tokens_per_32px"));
}

}  // namespace
}  // namespace vg::engine
