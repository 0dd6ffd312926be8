#include "services/business/business_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace vg::services::business {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Parses `yaml` as the `business.tasks` section; keeps the trees alive for the duration of the test.
class BusinessConfigTest : public ::testing::Test {
protected:
    BusinessTasksConfig parse(const std::string& yaml) {
        source_ = YAML::Load(yaml);
        effective_ = YAML::Node(YAML::NodeType::Map);
        return parse_business_tasks_config(ConfigNode(source_, effective_, "business.tasks"));
    }

    std::string error_of(const std::string& yaml) {
        try {
            parse(yaml);
        } catch (const ConfigError& e) {
            return e.what();
        }
        ADD_FAILURE() << "expected ConfigError for:\n" << yaml;
        return {};
    }

    YAML::Node source_;
    YAML::Node effective_;
};

TEST_F(BusinessConfigTest, DefaultsWhenEmpty) {
    const auto config = parse("{}");
    EXPECT_EQ(config.language, "zh");
    EXPECT_TRUE(config.prompt_overrides.empty());
    EXPECT_EQ(config.review_categories, default_review_categories());
    EXPECT_EQ(config.review_categories.size(), 10u);
    EXPECT_DOUBLE_EQ(config.review_confidence_threshold, 0.8);
    EXPECT_EQ(config.max_tokens, 1024);
}

TEST_F(BusinessConfigTest, ReadsEveryField) {
    const auto config = parse(R"(
language: en
prompt_overrides:
  product_review: "Check for {categories}. {question}"
review_categories: [weapons, knives]
review_confidence_threshold: 0.9
max_tokens: 512
)");
    EXPECT_EQ(config.language, "en");
    EXPECT_EQ(config.prompt_overrides.at("product_review"), "Check for {categories}. {question}");
    EXPECT_THAT(config.review_categories, ElementsAre("weapons", "knives"));
    EXPECT_DOUBLE_EQ(config.review_confidence_threshold, 0.9);
    EXPECT_EQ(config.max_tokens, 512);
}

TEST_F(BusinessConfigTest, RejectsUnknownTaskInOverridesWithPath) {
    const auto error = error_of("prompt_overrides: {product_reveiw: hello}");
    EXPECT_THAT(error, HasSubstr("business.tasks.prompt_overrides.product_reveiw"));
    EXPECT_THAT(error, HasSubstr("product_review"));  // the allowed names
}

TEST_F(BusinessConfigTest, RejectsEmptyOverride) {
    EXPECT_THAT(error_of("prompt_overrides: {medical_analysis: '  '}"),
                HasSubstr("business.tasks.prompt_overrides.medical_analysis: must not be empty"));
}

TEST_F(BusinessConfigTest, RejectsBadValues) {
    EXPECT_THAT(error_of("language: fr"), HasSubstr("business.tasks.language"));
    EXPECT_THAT(error_of("review_confidence_threshold: 1.5"), HasSubstr("business.tasks.review_confidence_threshold"));
    EXPECT_THAT(error_of("review_confidence_threshold: -0.1"), HasSubstr("between 0 and 1"));
    EXPECT_THAT(error_of("max_tokens: 0"), HasSubstr("business.tasks.max_tokens"));
    EXPECT_THAT(error_of("review_categories: []"), HasSubstr("at least one"));
    EXPECT_THAT(error_of("review_categories: [weapons, weapons]"), HasSubstr("listed twice"));
    EXPECT_THAT(error_of("review_categories: ['Live Animals']"), HasSubstr("not a valid name"));
}

TEST_F(BusinessConfigTest, RejectsUnknownKey) {
    EXPECT_THAT(error_of("threshold: 0.5"), HasSubstr("threshold"));
}

}  // namespace
}  // namespace vg::services::business
