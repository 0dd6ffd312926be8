#include "services/business/task_catalog.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "engine/text/json_schema_grammar.hpp"
#include "services/business/task_rules.hpp"

namespace vg::services::business {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string interpret_error(const TaskCatalog& catalog, std::string_view task, std::string_view raw) {
    try {
        catalog.interpret(task, raw);
    } catch (const ModelOutputInvalid& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected ModelOutputInvalid for " << task << ": " << raw;
    return {};
}

const char* const kAnalysis = R"({
  "product_name": "不锈钢保温杯",
  "category": "家居用品",
  "attributes": {"color": "银色", "material": "不锈钢", "brand": null},
  "intended_use": "盛装热水或冷饮，保温保冷",
  "description": "一款 500 毫升的双层真空不锈钢保温杯，带防漏杯盖。"
})";

json review(const std::string& verdict, double confidence, json categories = json::array()) {
    return {{"verdict", verdict},
            {"matched_categories", std::move(categories)},
            {"reasons", {"图片中为普通水杯"}},
            {"confidence", confidence}};
}

json homework() {
    return {{"questions",
             {{{"number", "1"},
               {"question", "3 + 4 = ?"},
               {"student_answer", "7"},
               {"correct", true},
               {"expected_answer", "7"},
               {"comment", "正确"}},
              {{"number", "2"},
               {"question", "6 × 7 = ?"},
               {"student_answer", "43"},
               {"correct", false},
               {"expected_answer", "42"},
               {"comment", "乘法口诀记错了"}}}},
            {"score", 1},
            {"total", 2}};
}

json medical() {
    return {{"modality", "xray"},
            {"body_part", "胸部"},
            {"findings", {{{"description", "右下肺野片状阴影"}, {"location", "右下肺"}, {"severity", "moderate"}}}},
            {"abnormal", true}};
}

class TaskCatalogTest : public ::testing::Test {
protected:
    TaskCatalog catalog_{BusinessTasksConfig{}};
};

TEST_F(TaskCatalogTest, ListsTheFourTasks) {
    EXPECT_THAT(TaskCatalog::task_names(), ::testing::ElementsAre("product_analysis", "product_review",
                                                                  "homework_correction", "medical_analysis"));
    EXPECT_THROW(catalog_.spec("weather"), std::invalid_argument);
    EXPECT_THROW(catalog_.interpret("weather", "{}"), std::invalid_argument);
}

TEST_F(TaskCatalogTest, EverySchemaConvertsToAGrammar) {
    for (const auto& name : TaskCatalog::task_names()) {
        const TaskSpec& spec = catalog_.spec(name);
        EXPECT_EQ(spec.name, name);
        EXPECT_EQ(spec.max_tokens, 1024);
        std::string grammar;
        EXPECT_NO_THROW(grammar = engine::json_schema_to_gbnf(spec.schema)) << name;
        EXPECT_THAT(grammar, HasSubstr("root")) << name;
    }
}

TEST_F(TaskCatalogTest, DefaultPromptsAreChineseAndVersioned) {
    EXPECT_EQ(catalog_.spec("product_review").prompt_version, "product_review/zh/v1");
    EXPECT_EQ(catalog_.spec("medical_analysis").prompt_version, "medical_analysis/zh/v1");
    const std::string& review = catalog_.spec("product_review").prompt;
    EXPECT_THAT(review, HasSubstr("合规审核"));
    EXPECT_THAT(review, HasSubstr("weapons, drugs, counterfeit"));
    EXPECT_THAT(review, Not(HasSubstr("{categories}")));
    for (const auto& name : TaskCatalog::task_names()) {
        EXPECT_THAT(catalog_.spec(name).prompt, HasSubstr("JSON")) << name;
    }
}

TEST_F(TaskCatalogTest, EnglishPrompts) {
    BusinessTasksConfig config;
    config.language = "en";
    const TaskCatalog catalog(config);
    EXPECT_EQ(catalog.spec("homework_correction").prompt_version, "homework_correction/en/v1");
    EXPECT_THAT(catalog.spec("homework_correction").prompt, HasSubstr("marking a student's homework"));
    EXPECT_THAT(catalog.prompt("product_analysis", "Is it waterproof?"),
                HasSubstr("Additional context from the requester: Is it waterproof?"));
}

TEST_F(TaskCatalogTest, PromptAppendsOrSubstitutesTheExtraText) {
    EXPECT_EQ(catalog_.prompt("product_analysis"), catalog_.spec("product_analysis").prompt);
    EXPECT_THAT(catalog_.prompt("product_analysis", "这是什么品牌？"), HasSubstr("补充说明：这是什么品牌？"));

    BusinessTasksConfig config;
    config.prompt_overrides["product_review"] = "Check against {categories}. Note: {question}";
    config.review_categories = {"weapons", "knives"};
    const TaskCatalog catalog(config);
    EXPECT_EQ(catalog.prompt("product_review", "seller says toy"),
              "Check against weapons, knives. Note: seller says toy");
    EXPECT_EQ(catalog.prompt("product_review"), "Check against weapons, knives. Note: ");
    EXPECT_THAT(catalog.spec("product_review").prompt_version, StartsWith("product_review/zh/custom-"));
    EXPECT_EQ(catalog.spec("product_analysis").prompt_version, "product_analysis/zh/v1");

    BusinessTasksConfig other = config;
    other.prompt_overrides["product_review"] = "Something else {categories}";
    EXPECT_NE(TaskCatalog(other).spec("product_review").prompt_version, catalog.spec("product_review").prompt_version);
}

TEST_F(TaskCatalogTest, ProductAnalysisValid) {
    const json result = catalog_.interpret("product_analysis", kAnalysis);
    EXPECT_EQ(result["product_name"], "不锈钢保温杯");
    EXPECT_TRUE(result["attributes"]["brand"].is_null());
}

TEST_F(TaskCatalogTest, FencedAndProseyOutputs) {
    const std::string fenced =
        std::string("好的，以下是分析结果：\n```json\n") + kAnalysis + "\n```\n如需更多信息请告诉我。";
    EXPECT_EQ(catalog_.interpret("product_analysis", fenced)["category"], "家居用品");
    const std::string prose = std::string("Sure! ") + kAnalysis + " Hope this helps.";
    EXPECT_EQ(catalog_.interpret("product_analysis", prose)["category"], "家居用品");
}

TEST_F(TaskCatalogTest, InvalidOutputsNameThePath) {
    json missing = json::parse(kAnalysis);
    missing["attributes"].erase("material");
    EXPECT_EQ(interpret_error(catalog_, "product_analysis", missing.dump()),
              "$.attributes.material: required property is missing");

    json wrong_type = json::parse(kAnalysis);
    wrong_type["attributes"]["color"] = 3;
    EXPECT_THAT(interpret_error(catalog_, "product_analysis", wrong_type.dump()),
                HasSubstr("$.attributes.color: expected string or null, got number"));

    json extra = json::parse(kAnalysis);
    extra["price"] = "9.9";
    EXPECT_THAT(interpret_error(catalog_, "product_analysis", extra.dump()), HasSubstr("$.price: unexpected property"));

    EXPECT_EQ(interpret_error(catalog_, "product_review", review("ok", 0.9).dump()),
              R"($.verdict: "ok" is not one of pass, reject, manual_review)");
    EXPECT_THAT(interpret_error(catalog_, "medical_analysis", "抱歉，我无法分析这张图片。"),
                HasSubstr("$: the model output contains no JSON object"));
    const std::string cut = medical().dump().substr(0, 60);
    EXPECT_THAT(interpret_error(catalog_, "medical_analysis", cut), HasSubstr("cut off"));
}

TEST_F(TaskCatalogTest, ReviewConfidentVerdictsStand) {
    json result = catalog_.interpret("product_review", review("pass", 0.95).dump());
    EXPECT_EQ(result["verdict"], "pass");
    EXPECT_TRUE(result["verdict_adjusted"].is_null());

    result = catalog_.interpret("product_review", review("reject", 0.9, {"weapons", "weapons"}).dump());
    EXPECT_EQ(result["verdict"], "reject");
    EXPECT_EQ(result["matched_categories"], json({"weapons"}));
}

TEST_F(TaskCatalogTest, ReviewLowConfidenceGoesToManualReview) {
    json result = catalog_.interpret("product_review", review("pass", 0.5).dump());
    EXPECT_EQ(result["verdict"], "manual_review");
    EXPECT_EQ(result["verdict_adjusted"], "low_confidence");
    EXPECT_EQ(result["model_verdict"], "pass");

    result = catalog_.interpret("product_review", review("reject", 0.79, {"drugs"}).dump());
    EXPECT_EQ(result["verdict"], "manual_review");
    EXPECT_EQ(result["verdict_adjusted"], "low_confidence");

    result = catalog_.interpret("product_review", review("manual_review", 0.1).dump());
    EXPECT_EQ(result["verdict"], "manual_review");
    EXPECT_TRUE(result["verdict_adjusted"].is_null());
}

TEST_F(TaskCatalogTest, ReviewPassWithMatchedCategoriesGoesToManualReview) {
    const json result = catalog_.interpret("product_review", review("pass", 0.99, {"tobacco"}).dump());
    EXPECT_EQ(result["verdict"], "manual_review");
    EXPECT_EQ(result["verdict_adjusted"], "pass_with_matched_categories");
}

TEST_F(TaskCatalogTest, ReviewRejectsUnknownCategoryAndBadConfidence) {
    EXPECT_THAT(interpret_error(catalog_, "product_review", review("reject", 0.9, {"fireworks"}).dump()),
                HasSubstr(R"($.matched_categories[0]: "fireworks" is not one of weapons, drugs)"));
    EXPECT_EQ(interpret_error(catalog_, "product_review", review("reject", 1.5).dump()),
              "$.confidence: 1.5 is above the maximum 1");
    EXPECT_THAT(interpret_error(catalog_, "product_review", review("reject", -0.2).dump()), HasSubstr("below the minimum 0"));
    json text_confidence = review("pass", 0.9);
    text_confidence["confidence"] = "high";
    EXPECT_THAT(interpret_error(catalog_, "product_review", text_confidence.dump()),
                HasSubstr("$.confidence: expected number"));
}

TEST_F(TaskCatalogTest, ReviewUsesConfiguredCategoriesAndThreshold) {
    BusinessTasksConfig config;
    config.review_categories = {"knives"};
    config.review_confidence_threshold = 0.5;
    const TaskCatalog catalog(config);
    EXPECT_EQ(catalog.interpret("product_review", review("reject", 0.6, {"knives"}).dump())["verdict"], "reject");
    EXPECT_THAT(interpret_error(catalog, "product_review", review("reject", 0.9, {"weapons"}).dump()),
                HasSubstr("is not one of knives"));
    EXPECT_EQ(catalog.spec("product_review").schema["properties"]["matched_categories"]["items"]["enum"],
              json({"knives"}));
}

TEST_F(TaskCatalogTest, HomeworkScoreIsRecomputed) {
    json answer = homework();
    json result = catalog_.interpret("homework_correction", answer.dump());
    EXPECT_EQ(result["score"], 1);
    EXPECT_EQ(result["total"], 2);
    EXPECT_EQ(result["score_recomputed"], true);
    EXPECT_FALSE(result.contains("model_score"));
    EXPECT_EQ(result["questions"][1]["expected_answer"], "42");

    answer["score"] = 2;  // the model miscounted
    answer["total"] = 3;
    result = catalog_.interpret("homework_correction", answer.dump());
    EXPECT_EQ(result["score"], 1);
    EXPECT_EQ(result["total"], 2);
    EXPECT_EQ(result["model_score"], json({{"score", 2}, {"total", 3}}));

    answer["questions"][0].erase("correct");
    EXPECT_EQ(interpret_error(catalog_, "homework_correction", answer.dump()),
              "$.questions[0].correct: required property is missing");
}

TEST_F(TaskCatalogTest, MedicalDisclaimerIsForced) {
    json result = catalog_.interpret("medical_analysis", medical().dump());
    EXPECT_EQ(result["disclaimer"], std::string(medical_disclaimer("zh")));
    EXPECT_THAT(result["disclaimer"].get<std::string>(), HasSubstr("不构成医学诊断"));
    EXPECT_EQ(result["abnormal"], true);

    json claims = medical();
    claims["disclaimer"] = "This is a definitive diagnosis.";
    result = catalog_.interpret("medical_analysis", claims.dump());
    EXPECT_EQ(result["disclaimer"], std::string(medical_disclaimer("zh")));

    BusinessTasksConfig config;
    config.language = "en";
    result = TaskCatalog(config).interpret("medical_analysis", claims.dump());
    EXPECT_THAT(result["disclaimer"].get<std::string>(), HasSubstr("not a medical diagnosis"));

    json bad = medical();
    bad["modality"] = "x-ray";
    EXPECT_THAT(interpret_error(catalog_, "medical_analysis", bad.dump()), HasSubstr("$.modality: \"x-ray\""));
}

}  // namespace
}  // namespace vg::services::business
