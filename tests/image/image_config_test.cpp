#include "image/image_config.hpp"

#include <gtest/gtest.h>

namespace vg::image {
namespace {

ImageConfig parse_yaml(const std::string& yaml) {
    return parse_image_config(ConfigNode(YAML::Load(yaml), YAML::Node(YAML::NodeType::Map), "image"));
}

std::string config_error_of(const std::string& yaml) {
    try {
        parse_yaml(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected ConfigError for: " << yaml;
    return {};
}

TEST(ParseImageConfigTest, DefaultsWhenEmpty) {
    ImageConfig config = parse_yaml("{}");
    EXPECT_EQ(config.max_bytes, 20u * 1024u * 1024u);
    EXPECT_DOUBLE_EQ(config.max_megapixels, 50);
    EXPECT_EQ(config.max_side, 1024);
}

TEST(ParseImageConfigTest, ReadsEveryField) {
    ImageConfig config = parse_yaml("max_bytes: 5MiB\nmax_megapixels: 12.5\nmax_side: 448\n");
    EXPECT_EQ(config.max_bytes, 5u * 1024u * 1024u);
    EXPECT_DOUBLE_EQ(config.max_megapixels, 12.5);
    EXPECT_EQ(config.max_side, 448);
    EXPECT_EQ(parse_yaml("max_bytes: 1000").max_bytes, 1000u);
}

TEST(ParseImageConfigTest, RefusesUnknownKeysWithThePath) {
    std::string message = config_error_of("max_size: 1024");
    EXPECT_NE(message.find("image.max_size"), std::string::npos) << message;
}

TEST(ParseImageConfigTest, RefusesLimitsThatCannotWork) {
    EXPECT_NE(config_error_of("max_bytes: 0").find("image.max_bytes"), std::string::npos);
    EXPECT_NE(config_error_of("max_megapixels: 0").find("image.max_megapixels"), std::string::npos);
    EXPECT_NE(config_error_of("max_megapixels: -3").find("image.max_megapixels"), std::string::npos);
    EXPECT_NE(config_error_of("max_megapixels: .nan").find("image.max_megapixels"), std::string::npos);
    EXPECT_NE(config_error_of("max_side: 0").find("image.max_side"), std::string::npos);
    EXPECT_NE(config_error_of("max_side: -1").find("image.max_side"), std::string::npos);
    EXPECT_NE(config_error_of("max_side: big").find("image.max_side"), std::string::npos);
}

}  // namespace
}  // namespace vg::image
