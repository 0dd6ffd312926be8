#include "services/business/task_catalog.hpp"

#include <stdexcept>
#include <utility>

#include "services/business/task_prompts.hpp"
#include "services/business/task_rules.hpp"
#include "services/business/task_schemas.hpp"

namespace vg::services::business {
namespace {

constexpr std::string_view kCategories = "{categories}";
constexpr std::string_view kQuestion = "{question}";

std::string replace_all(std::string text, std::string_view placeholder, std::string_view value) {
    for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size())) {
        text.replace(at, placeholder.size(), value);
    }
    return text;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

}  // namespace

TaskCatalog::TaskCatalog(BusinessTasksConfig config) : config_(std::move(config)) {
    for (const auto& name : task_names()) {
        const auto override_text = config_.prompt_overrides.find(name);
        PromptTemplate prompt = override_text == config_.prompt_overrides.end()
                                    ? default_prompt(name, config_.language)
                                    : override_prompt(name, config_.language, override_text->second);
        specs_.emplace(name,
                       TaskSpec{name, std::move(prompt.version),
                                replace_all(std::move(prompt.text), kCategories, joined(config_.review_categories)),
                                task_schema(name, config_.review_categories), config_.max_tokens});
    }
}

const std::vector<std::string>& TaskCatalog::task_names() {
    return business_task_names();
}

const TaskSpec& TaskCatalog::spec(std::string_view task) const {
    const auto found = specs_.find(task);
    if (found == specs_.end()) {
        throw std::invalid_argument("unknown business task '" + std::string(task) +
                                    "'; expected one of: " + joined(task_names()));
    }
    return found->second;
}

std::string TaskCatalog::prompt(std::string_view task, std::string_view extra) const {
    const std::string& text = spec(task).prompt;
    if (text.find(kQuestion) != std::string::npos) return replace_all(text, kQuestion, extra);
    if (extra.empty()) return text;
    return text + std::string(extra_label(config_.language)) + std::string(extra);
}

nlohmann::json TaskCatalog::interpret(std::string_view task, std::string_view raw_output) const {
    const TaskSpec& task_spec = spec(task);
    nlohmann::json result = extract_json_object(raw_output);
    // The disclaimer is ours alone; a model that writes one anyway (unconstrained decoding) is not at fault.
    if (task == "medical_analysis") result.erase("disclaimer");
    validate_against_schema(task_spec.schema, result);
    if (task == "product_review") {
        apply_review_rules(result, config_.review_confidence_threshold);
    } else if (task == "homework_correction") {
        apply_homework_rules(result);
    } else if (task == "medical_analysis") {
        apply_medical_rules(result, config_.language);
    }
    return result;
}

}  // namespace vg::services::business
