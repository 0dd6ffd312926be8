#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace vg::services::business {

// The JSON Schema of what the model is asked to produce for `task` (our code then adds fields of its own:
// verdict_adjusted, score_recomputed, disclaimer). Every schema stays inside both the subset
// engine::json_schema_to_gbnf converts (so the model service can constrain decoding to it) and the subset
// validate_against_schema checks: no minimum/maximum, so numeric ranges are business rules in task_rules.
// product_review's matched categories are an enum of `review_categories`. Throws std::invalid_argument for
// an unknown task.
nlohmann::json task_schema(std::string_view task, const std::vector<std::string>& review_categories);

}  // namespace vg::services::business
