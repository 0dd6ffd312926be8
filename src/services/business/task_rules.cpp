#include "services/business/task_rules.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "services/business/result_validation.hpp"

namespace vg::services::business {

using nlohmann::json;

void apply_review_rules(json& result, double threshold) {
    const double confidence = result["confidence"].get<double>();
    if (!(confidence >= 0.0 && confidence <= 1.0)) {
        throw ModelOutputInvalid("$.confidence: " + result["confidence"].dump() + " is outside [0, 1]");
    }
    json unique = json::array();
    for (const auto& category : result["matched_categories"]) {
        if (std::find(unique.begin(), unique.end(), category) == unique.end()) unique.push_back(category);
    }
    result["matched_categories"] = std::move(unique);

    const std::string verdict = result["verdict"].get<std::string>();
    json adjusted = nullptr;
    if (verdict != "manual_review" && confidence < threshold) {
        adjusted = "low_confidence";
    } else if (verdict == "pass" && !result["matched_categories"].empty()) {
        adjusted = "pass_with_matched_categories";
    }
    result["model_verdict"] = verdict;
    if (!adjusted.is_null()) result["verdict"] = "manual_review";
    result["verdict_adjusted"] = std::move(adjusted);
}

void apply_homework_rules(json& result) {
    const auto& questions = result["questions"];
    const auto correct = std::count_if(questions.begin(), questions.end(),
                                       [](const json& question) { return question["correct"].get<bool>(); });
    const json recomputed = {{"score", correct}, {"total", questions.size()}};
    const json claimed = {{"score", result["score"]}, {"total", result["total"]}};
    if (claimed != recomputed) result["model_score"] = claimed;
    result["score"] = recomputed["score"];
    result["total"] = recomputed["total"];
    result["score_recomputed"] = true;
}

std::string_view medical_disclaimer(std::string_view language) {
    if (language == "en") {
        return "This analysis was generated automatically by an AI model. It is not a medical diagnosis and must "
               "not replace the judgement of a qualified physician.";
    }
    return "本分析结果由人工智能模型自动生成，仅供参考，不构成医学诊断，不能替代执业医师的专业判断。";
}

void apply_medical_rules(json& result, std::string_view language) {
    result["disclaimer"] = std::string(medical_disclaimer(language));
}

}  // namespace vg::services::business
