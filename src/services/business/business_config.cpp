#include "services/business/business_config.hpp"

#include <algorithm>
#include <set>

namespace vg::services::business {

const std::vector<std::string>& business_task_names() {
    static const std::vector<std::string> names = {"product_analysis", "product_review", "homework_correction",
                                                   "medical_analysis"};
    return names;
}

std::vector<std::string> default_review_categories() {
    return {"weapons",
            "drugs",
            "counterfeit",
            "adult",
            "live_animals",
            "tobacco",
            "alcohol",
            "gambling",
            "hazardous_chemicals",
            "prescription_medicine"};
}

namespace {

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

// Category names end up in the review schema's enum and in prompts: keep them plain identifiers.
bool is_category_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

BusinessTasksConfig parse_business_tasks_config(ConfigNode node) {
    BusinessTasksConfig config;
    node.read_enum("language", config.language, {"zh", "en"});

    node.read("prompt_overrides", config.prompt_overrides);
    const auto& tasks = business_task_names();
    for (const auto& [task, text] : config.prompt_overrides) {
        const std::string key = "prompt_overrides." + task;
        if (std::find(tasks.begin(), tasks.end(), task) == tasks.end()) {
            node.fail(key, "unknown task; expected one of: " + joined(tasks));
        }
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) node.fail(key, "must not be empty");
    }

    node.read("review_categories", config.review_categories);
    if (config.review_categories.empty()) node.fail("review_categories", "must name at least one category");
    std::set<std::string> seen;
    for (const auto& category : config.review_categories) {
        if (!is_category_name(category)) {
            node.fail("review_categories", "'" + category + "' is not a valid name (lower-case letters, digits, _)");
        }
        if (!seen.insert(category).second) node.fail("review_categories", "'" + category + "' is listed twice");
    }

    node.read("review_confidence_threshold", config.review_confidence_threshold);
    if (!(config.review_confidence_threshold >= 0.0 && config.review_confidence_threshold <= 1.0)) {
        node.fail("review_confidence_threshold", "must be between 0 and 1");
    }
    node.read("max_tokens", config.max_tokens);
    if (config.max_tokens < 1) node.fail("max_tokens", "must be at least 1");
    node.finish();
    return config;
}

}  // namespace vg::services::business
