#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace vg::cli {

// A business task as the command line names it, and the endpoint that runs it.
struct BusinessTask {
    std::string_view name;  // "product-review": what --task takes
    std::string_view id;    // "product_review": the task's name in results
    std::string_view path;  // "/api/product/review"
};

// By --task name; the result id ("product_review") and a few aliases are accepted too. nullptr if unknown.
const BusinessTask* find_business_task(std::string_view name);
// "product-analysis, product-review, homework, medical".
std::string business_task_names();

// The JSON body for the task's endpoint: the image as base64, an optional question and caller reference.
nlohmann::json business_request(const std::string& image_bytes, const std::string& question,
                                const std::string& caller_reference);

// A result (the endpoint's 200 body) as a few lines for people: the task's fields, then the result id.
std::string summarize_result(const nlohmann::json& result);

}  // namespace vg::cli
