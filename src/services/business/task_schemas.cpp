#include "services/business/task_schemas.hpp"

#include <stdexcept>

namespace vg::services::business {
namespace {

using nlohmann::json;

// Bounds keep a constrained model from running on inside one string; llama.cpp expands x{0,n} into n rules,
// so they stay modest.
constexpr int kShortText = 200;
constexpr int kLongText = 800;

json text(int max_length) {
    return {{"type", "string"}, {"maxLength", max_length}};
}

json optional_text(int max_length) {
    return {{"type", json::array({"string", "null"})}, {"maxLength", max_length}};
}

json object(json properties) {
    json required = json::array();
    for (const auto& [name, unused] : properties.items()) required.push_back(name);
    return {{"type", "object"},
            {"properties", std::move(properties)},
            {"required", std::move(required)},
            {"additionalProperties", false}};
}

json array_of(json items, int max_items) {
    return {{"type", "array"}, {"items", std::move(items)}, {"maxItems", max_items}};
}

json product_analysis() {
    return object({
        {"product_name", text(kShortText)},
        {"category", text(kShortText)},
        {"attributes", object({
                           {"color", optional_text(kShortText)},
                           {"material", optional_text(kShortText)},
                           {"brand", optional_text(kShortText)},
                       })},
        {"intended_use", text(kLongText)},
        {"description", text(kLongText)},
    });
}

json product_review(const std::vector<std::string>& categories) {
    return object({
        {"verdict", {{"type", "string"}, {"enum", {"pass", "reject", "manual_review"}}}},
        {"matched_categories",
         array_of({{"type", "string"}, {"enum", categories}}, static_cast<int>(categories.size()))},
        {"reasons", array_of(text(kShortText), 10)},
        {"confidence", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
    });
}

json homework_correction() {
    return object({
        {"questions", array_of(object({
                                   {"number", text(32)},
                                   {"question", text(kLongText)},
                                   {"student_answer", text(kLongText)},
                                   {"correct", {{"type", "boolean"}}},
                                   {"expected_answer", text(kLongText)},
                                   {"comment", text(kLongText)},
                               }),
                               100)},
        {"score", {{"type", "integer"}, {"minimum", 0}}},
        {"total", {{"type", "integer"}, {"minimum", 0}}},
    });
}

json medical_analysis() {
    return object({
        {"modality", {{"type", "string"}, {"enum", {"xray", "ct", "mri", "ultrasound", "mammography", "other"}}}},
        {"body_part", text(kShortText)},
        {"findings",
         array_of(object({
                      {"description", text(kLongText)},
                      {"location", text(kShortText)},
                      {"severity", {{"type", "string"}, {"enum", {"normal", "mild", "moderate", "severe"}}}},
                  }),
                  20)},
        {"abnormal", {{"type", "boolean"}}},
    });
}

}  // namespace

nlohmann::json task_schema(std::string_view task, const std::vector<std::string>& review_categories) {
    if (task == "product_analysis") return product_analysis();
    if (task == "product_review") return product_review(review_categories);
    if (task == "homework_correction") return homework_correction();
    if (task == "medical_analysis") return medical_analysis();
    throw std::invalid_argument("unknown business task '" + std::string(task) + "'");
}

}  // namespace vg::services::business
