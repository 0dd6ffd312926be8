#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace vg::services::business {

// Business rules applied to a schema-valid model answer; each throws ModelOutputInvalid when the answer
// breaks a rule the schema cannot express, and otherwise rewrites it into the result we return.

// Confidence must lie in [0, 1]. A confidence below `threshold` turns pass or reject into manual_review, and
// a pass that names matched categories becomes manual_review: a low-confidence answer never passes.
// Sets "verdict_adjusted" to the rule that fired ("low_confidence", "pass_with_matched_categories") or null,
// and "model_verdict" to what the model said. Duplicate categories are dropped.
void apply_review_rules(nlohmann::json& result, double threshold);

// The model's arithmetic is not trusted: score and total are recounted from the questions (one point per
// correct answer), "score_recomputed" is set to true and, when the model's figures differed,
// "model_score" keeps them as {"score", "total"}.
void apply_homework_rules(nlohmann::json& result);

// The text every medical result carries, in "zh" or "en".
std::string_view medical_disclaimer(std::string_view language);

// Sets "disclaimer" to medical_disclaimer(language), whatever the model wrote.
void apply_medical_rules(nlohmann::json& result, std::string_view language);

}  // namespace vg::services::business
