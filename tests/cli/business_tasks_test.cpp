#include "cli/business_tasks.hpp"

#include <gtest/gtest.h>

#include "image/base64.hpp"

namespace vg::cli {
namespace {

using nlohmann::json;

TEST(BusinessTasksTest, NamesMapToEndpoints) {
    EXPECT_EQ(find_business_task("product-review")->path, "/api/product/review");
    EXPECT_EQ(find_business_task("product_analysis")->path, "/api/product/analysis");
    EXPECT_EQ(find_business_task("homework")->path, "/api/homework/correction");
    EXPECT_EQ(find_business_task("medical")->id, "medical_analysis");
    EXPECT_EQ(find_business_task("poetry"), nullptr);
}

TEST(BusinessTasksTest, TheRequestCarriesTheImageAsBase64) {
    const std::string bytes = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, '\0');
    const json body = business_request(bytes, "is it red?", "item-7");
    EXPECT_EQ(image::decode_base64(body["image"].get<std::string>()), bytes);
    EXPECT_EQ(body["question"], "is it red?");
    EXPECT_EQ(body["caller_reference"], "item-7");
    EXPECT_FALSE(business_request(bytes, "", "").contains("question"));
}

TEST(BusinessTasksTest, AReviewSummaryShowsVerdictReasonsAndId) {
    const json response = {{"id", "res_42"},
                           {"task", "product_review"},
                           {"result",
                            {{"verdict", "manual_review"},
                             {"model_verdict", "pass"},
                             {"verdict_adjusted", "low_confidence"},
                             {"matched_categories", json::array()},
                             {"reasons", {"blurry photo"}},
                             {"confidence", 0.4}}}};
    const std::string text = summarize_result(response);
    EXPECT_NE(text.find("manual_review (the model said pass; adjusted: low_confidence)"), std::string::npos) << text;
    EXPECT_NE(text.find("- blurry photo"), std::string::npos) << text;
    EXPECT_NE(text.find("result id: res_42"), std::string::npos) << text;
}

TEST(BusinessTasksTest, HomeworkAndMedicalSummaries) {
    const json homework = {{"task", "homework_correction"},
                           {"result",
                            {{"score", 1},
                             {"total", 2},
                             {"questions",
                              {{{"number", "1"},
                                {"question", "2+2"},
                                {"student_answer", "4"},
                                {"correct", true},
                                {"expected_answer", "4"},
                                {"comment", ""}},
                               {{"number", "2"},
                                {"question", "3*3"},
                                {"student_answer", "6"},
                                {"correct", false},
                                {"expected_answer", "9"},
                                {"comment", "times, not plus"}}}}}}};
    const std::string marked = summarize_result(homework);
    EXPECT_NE(marked.find("Score:        1 / 2"), std::string::npos) << marked;
    EXPECT_NE(marked.find("[wrong] 2. 3*3"), std::string::npos) << marked;
    EXPECT_NE(marked.find("expected: 9"), std::string::npos) << marked;

    const json medical = {
        {"task", "medical_analysis"},
        {"result",
         {{"modality", "xray"},
          {"body_part", "chest"},
          {"abnormal", true},
          {"findings", {{{"description", "opacity"}, {"location", "left lower lobe"}, {"severity", "mild"}}}},
          {"disclaimer", "not a diagnosis"}}}};
    const std::string read = summarize_result(medical);
    EXPECT_NE(read.find("[mild] opacity (left lower lobe)"), std::string::npos) << read;
    EXPECT_NE(read.find("not a diagnosis"), std::string::npos) << read;
}

TEST(BusinessTasksTest, AnUnknownShapeFallsBackToItsJson) {
    const json odd = {{"task", "homework_correction"},
                      {"result", {{"questions", {{{"number", "1"}, {"correct", "yes"}}}}}}};
    const std::string text = summarize_result(odd);
    EXPECT_NE(text.find("\"correct\": \"yes\""), std::string::npos) << text;
}

}  // namespace
}  // namespace vg::cli
