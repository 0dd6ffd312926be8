#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/config_node.hpp"

namespace vg::services::business {

// The four tasks, in the order the API lists them.
const std::vector<std::string>& business_task_names();

// Prohibited or restricted goods that product_review checks for when config names none.
std::vector<std::string> default_review_categories();

struct BusinessTasksConfig {
    std::string language = "zh";                          // "zh" or "en": default prompts and disclaimer
    std::map<std::string, std::string> prompt_overrides;  // task name -> prompt template
    std::vector<std::string> review_categories = default_review_categories();
    double review_confidence_threshold = 0.8;  // below it, pass/reject become manual_review
    int max_tokens = 1024;
};

// Reads the `tasks` section of the business config:
//   language: zh
//   prompt_overrides: {product_review: "... {categories} ... {question}"}
//   review_categories: [weapons, drugs, ...]
//   review_confidence_threshold: 0.8
//   max_tokens: 1024
// Throws ConfigError naming the path for unknown keys, unknown task names and out-of-range values.
BusinessTasksConfig parse_business_tasks_config(ConfigNode node);

}  // namespace vg::services::business
