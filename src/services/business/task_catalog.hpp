#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "services/business/business_config.hpp"
#include "services/business/result_validation.hpp"

namespace vg::services::business {

// One business task as the model service is asked to perform it.
struct TaskSpec {
    std::string name;            // "product_review"
    std::string prompt_version;  // "product_review/zh/v1": stored with every result
    std::string prompt;          // the template with {categories} filled in; {question} left for prompt()
    nlohmann::json schema;       // what the model must produce (request it as the model's json_schema)
    int max_tokens;
};

// The four business tasks: their prompts and schemas, and the checks that turn a model's raw text into a
// typed result. Immutable after construction; thread-safe.
class TaskCatalog {
public:
    explicit TaskCatalog(BusinessTasksConfig config);

    static const std::vector<std::string>& task_names();

    // Throws std::invalid_argument for an unknown task.
    const TaskSpec& spec(std::string_view task) const;

    // The prompt for one request: the task's template with {question} replaced by `extra`, or, when the
    // template has no {question}, `extra` appended under a short label (nothing when it is empty).
    std::string prompt(std::string_view task, std::string_view extra = {}) const;

    // Extracts the JSON object from the model's text (fences and prose tolerated), validates it against the
    // task's schema and applies the task's rules. Throws ModelOutputInvalid naming the first problem, or
    // std::invalid_argument for an unknown task.
    nlohmann::json interpret(std::string_view task, std::string_view raw_output) const;

private:
    BusinessTasksConfig config_;
    std::map<std::string, TaskSpec, std::less<>> specs_;
};

}  // namespace vg::services::business
