#include "core/logging.hpp"

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <yaml-cpp/yaml.h>

#include "core/config_node.hpp"

namespace vg {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A LogSystem writing into a string instead of stderr.
class LoggingTest : public ::testing::Test {
protected:
    LogSystem make(LogConfig config) {
        return LogSystem(std::move(config), "gateway", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_, true));
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::istringstream in(out_.str());
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

    std::ostringstream out_;
};

LogConfig json_config() {
    LogConfig config;
    config.format = "json";
    return config;
}

TEST_F(LoggingTest, JsonLinesCarryEveryField) {
    auto system = make(json_config());
    Logger logger = system.get("net");
    logger.info("req-42", "request done", nlohmann::json{{"status", 200}, {"route", "/v1/x"}});

    auto all = lines();
    ASSERT_EQ(all.size(), 1u) << out_.str();
    nlohmann::json line;
    ASSERT_NO_THROW(line = nlohmann::json::parse(all[0])) << all[0];
    EXPECT_TRUE(std::regex_match(line.value("time", ""), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
        << line.dump();
    EXPECT_EQ(line["level"], "info");
    EXPECT_EQ(line["service"], "gateway");
    EXPECT_EQ(line["component"], "net");
    EXPECT_EQ(line["request_id"], "req-42");
    EXPECT_EQ(line["message"], "request done");
    EXPECT_EQ(line["fields"]["status"], 200);
    EXPECT_EQ(line["fields"]["route"], "/v1/x");
}

TEST_F(LoggingTest, JsonLineWithoutFieldsIsValid) {
    auto system = make(json_config());
    system.get("app").error("", "boom");
    auto all = lines();
    ASSERT_EQ(all.size(), 1u);
    auto line = nlohmann::json::parse(all[0]);
    EXPECT_EQ(line["level"], "error");
    EXPECT_EQ(line["request_id"], "");
    EXPECT_EQ(line["message"], "boom");
}

TEST_F(LoggingTest, JsonEscapesMessageAndSurvivesInvalidUtf8) {
    auto system = make(json_config());
    system.get("net").warn("r\"1", "line1\nline2 \"quoted\" \xff", nlohmann::json{{"k", "v\xfe"}});
    auto all = lines();
    ASSERT_EQ(all.size(), 1u) << "a newline in the message must not split the line";
    nlohmann::json line;
    ASSERT_NO_THROW(line = nlohmann::json::parse(all[0])) << all[0];
    EXPECT_EQ(line["request_id"], "r\"1");
    EXPECT_THAT(line["message"].get<std::string>(), HasSubstr("line1\nline2 \"quoted\""));
}

TEST_F(LoggingTest, TextLinesCarryMessageRequestIdAndFields) {
    auto system = make(LogConfig{});
    system.get("net").info("req-42", "request done", nlohmann::json{{"status", 200}, {"route", "/v1/x"}});
    auto all = lines();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_THAT(all[0], HasSubstr("request done"));
    EXPECT_THAT(all[0], HasSubstr("request_id=req-42"));
    EXPECT_THAT(all[0], HasSubstr("status=200"));
    EXPECT_THAT(all[0], HasSubstr("route=/v1/x"));
    EXPECT_THAT(all[0], HasSubstr("[net]"));
    EXPECT_THAT(all[0], HasSubstr("info"));
}

TEST_F(LoggingTest, TextLineOmitsEmptyRequestId) {
    auto system = make(LogConfig{});
    system.get("app").info("", "starting");
    auto all = lines();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_THAT(all[0], HasSubstr("starting"));
    EXPECT_THAT(all[0], Not(HasSubstr("request_id=")));
}

TEST_F(LoggingTest, GlobalLevelFiltersLowerLevels) {
    LogConfig config;
    config.level = "warn";
    auto system = make(config);
    Logger logger = system.get("app");
    logger.info("", "hidden-info");
    logger.debug("", "hidden-debug");
    logger.warn("", "shown-warn");
    logger.error("", "shown-error");
    EXPECT_THAT(out_.str(), Not(HasSubstr("hidden")));
    EXPECT_THAT(out_.str(), HasSubstr("shown-warn"));
    EXPECT_THAT(out_.str(), HasSubstr("shown-error"));
    EXPECT_FALSE(logger.enabled(LogLevel::kInfo));
    EXPECT_TRUE(logger.enabled(LogLevel::kWarn));
}

TEST_F(LoggingTest, PerComponentLevelOverridesTheGlobalOne) {
    LogConfig config;
    config.level = "info";
    config.levels = {{"net", "debug"}, {"engine", "error"}};
    auto system = make(config);
    Logger net = system.get("net");
    Logger app = system.get("app");
    Logger engine = system.get("engine");
    net.debug("", "net-debug");
    app.debug("", "app-debug");
    app.info("", "app-info");
    engine.warn("", "engine-warn");
    EXPECT_THAT(out_.str(), HasSubstr("net-debug"));
    EXPECT_THAT(out_.str(), Not(HasSubstr("app-debug")));
    EXPECT_THAT(out_.str(), HasSubstr("app-info"));
    EXPECT_THAT(out_.str(), Not(HasSubstr("engine-warn")));
    EXPECT_TRUE(net.enabled(LogLevel::kDebug));
    EXPECT_FALSE(app.enabled(LogLevel::kDebug));
}

TEST_F(LoggingTest, OffSilencesEverything) {
    LogConfig config;
    config.level = "off";
    auto system = make(config);
    system.get("app").error("", "nothing");
    EXPECT_EQ(out_.str(), "");
}

TEST(LoggerTest, DefaultLoggerDiscards) {
    Logger logger;
    EXPECT_FALSE(logger.enabled(LogLevel::kError));
    logger.error("r", "goes nowhere");  // must not crash
}

// --- parse_log_config ----------------------------------------------------------------------------

LogConfig parse_yaml(const std::string& yaml) {
    return parse_log_config(ConfigNode(YAML::Load(yaml), YAML::Node(YAML::NodeType::Map), "log"));
}

template <class Fn>
std::string config_error_of(Fn&& fn) {
    try {
        fn();
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected ConfigError";
    return {};
}

TEST(ParseLogConfigTest, DefaultsWhenEmpty) {
    LogConfig config = parse_yaml("{}");
    EXPECT_EQ(config.format, "text");
    EXPECT_EQ(config.level, "info");
    EXPECT_TRUE(config.levels.empty());
}

TEST(ParseLogConfigTest, ReadsEveryField) {
    LogConfig config = parse_yaml("format: json\nlevel: debug\nlevels: {net: trace, engine: warn}\n");
    EXPECT_EQ(config.format, "json");
    EXPECT_EQ(config.level, "debug");
    EXPECT_EQ(config.levels, (std::map<std::string, std::string>{{"engine", "warn"}, {"net", "trace"}}));
}

TEST(ParseLogConfigTest, UnknownLevelIsNamed) {
    auto message = config_error_of([] { parse_yaml("level: verbose\n"); });
    EXPECT_THAT(message, HasSubstr("log.level"));
    EXPECT_THAT(message, HasSubstr("verbose"));
}

TEST(ParseLogConfigTest, UnknownComponentLevelIsNamed) {
    auto message = config_error_of([] { parse_yaml("levels: {net: loud}\n"); });
    EXPECT_THAT(message, HasSubstr("log.levels.net"));
    EXPECT_THAT(message, HasSubstr("loud"));
}

TEST(ParseLogConfigTest, UnknownFormatAndKeyAreRejected) {
    EXPECT_THAT(config_error_of([] { parse_yaml("format: xml\n"); }), HasSubstr("xml"));
    EXPECT_THAT(config_error_of([] { parse_yaml("colour: red\n"); }), HasSubstr("log.colour"));
}

}  // namespace
}  // namespace vg
