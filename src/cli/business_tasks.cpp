#include "cli/business_tasks.hpp"

#include <array>
#include <sstream>

#include "image/base64.hpp"

namespace vg::cli {

namespace {

using nlohmann::json;

constexpr std::array<BusinessTask, 4> kTasks = {{
    {"product-analysis", "product_analysis", "/api/product/analysis"},
    {"product-review", "product_review", "/api/product/review"},
    {"homework", "homework_correction", "/api/homework/correction"},
    {"medical", "medical_analysis", "/api/medical/analysis"},
}};

// The value at `key` as text: strings as they are, null as "-", the rest as JSON.
std::string text(const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || object[key].is_null()) return "-";
    const json& value = object[key];
    return value.is_string() ? value.get<std::string>() : value.dump();
}

void product_analysis(const json& r, std::ostringstream& out) {
    out << "Product:      " << text(r, "product_name") << "\n";
    out << "Category:     " << text(r, "category") << "\n";
    const json attributes = r.value("attributes", json::object());
    out << "Colour:       " << text(attributes, "color") << "\n";
    out << "Material:     " << text(attributes, "material") << "\n";
    out << "Brand:        " << text(attributes, "brand") << "\n";
    out << "Intended use: " << text(r, "intended_use") << "\n";
    out << "Description:  " << text(r, "description") << "\n";
}

void product_review(const json& r, std::ostringstream& out) {
    out << "Verdict:      " << text(r, "verdict");
    if (r.contains("verdict_adjusted") && !r["verdict_adjusted"].is_null()) {
        out << " (the model said " << text(r, "model_verdict") << "; adjusted: " << text(r, "verdict_adjusted") << ")";
    }
    out << "\nConfidence:   " << text(r, "confidence") << "\n";
    std::string categories;
    for (const auto& category : r.value("matched_categories", json::array())) {
        categories +=
            (categories.empty() ? "" : ", ") + (category.is_string() ? category.get<std::string>() : category.dump());
    }
    out << "Matched:      " << (categories.empty() ? "none" : categories) << "\n";
    for (const auto& reason : r.value("reasons", json::array())) {
        out << "  - " << (reason.is_string() ? reason.get<std::string>() : reason.dump()) << "\n";
    }
}

void homework(const json& r, std::ostringstream& out) {
    out << "Score:        " << text(r, "score") << " / " << text(r, "total");
    if (r.contains("model_score")) out << " (the model counted " << r["model_score"].dump() << ")";
    out << "\n";
    for (const auto& q : r.value("questions", json::array())) {
        const bool correct = q.value("correct", false);
        out << "  " << (correct ? "[right] " : "[wrong] ") << text(q, "number") << ". " << text(q, "question") << "\n";
        out << "          answer: " << text(q, "student_answer");
        if (!correct) out << "   expected: " << text(q, "expected_answer");
        out << "\n";
        if (text(q, "comment") != "-" && !text(q, "comment").empty()) out << "          " << text(q, "comment") << "\n";
    }
}

void medical(const json& r, std::ostringstream& out) {
    out << "Modality:     " << text(r, "modality") << "\n";
    out << "Body part:    " << text(r, "body_part") << "\n";
    out << "Abnormal:     " << (r.value("abnormal", false) ? "yes" : "no") << "\n";
    for (const auto& f : r.value("findings", json::array())) {
        out << "  - [" << text(f, "severity") << "] " << text(f, "description");
        if (text(f, "location") != "-") out << " (" << text(f, "location") << ")";
        out << "\n";
    }
    if (r.contains("disclaimer")) out << "\n" << text(r, "disclaimer") << "\n";
}

}  // namespace

const BusinessTask* find_business_task(std::string_view name) {
    for (const auto& task : kTasks) {
        if (name == task.name || name == task.id) return &task;
    }
    if (name == "homework-correction") return &kTasks[2];
    if (name == "medical-analysis") return &kTasks[3];
    return nullptr;
}

std::string business_task_names() {
    std::string names;
    for (const auto& task : kTasks) names += (names.empty() ? "" : ", ") + std::string(task.name);
    return names;
}

json business_request(const std::string& image_bytes, const std::string& question,
                      const std::string& caller_reference) {
    json body = {{"image", image::encode_base64(image_bytes)}};
    if (!question.empty()) body["question"] = question;
    if (!caller_reference.empty()) body["caller_reference"] = caller_reference;
    return body;
}

std::string summarize_result(const json& response) {
    if (!response.is_object()) return response.dump(2) + "\n";
    const json result = response.contains("result") ? response["result"] : json::object();
    std::ostringstream out;
    try {
        const std::string task = response.value("task", "");
        if (!result.is_object()) {
            out << result.dump(2) << "\n";
        } else if (task == "product_analysis") {
            product_analysis(result, out);
        } else if (task == "product_review") {
            product_review(result, out);
        } else if (task == "homework_correction") {
            homework(result, out);
        } else if (task == "medical_analysis") {
            medical(result, out);
        } else {
            out << result.dump(2) << "\n";
        }
    } catch (const json::exception&) {
        // A shape this client does not know (a newer server): the JSON says it all.
        out.str("");
        out << result.dump(2) << "\n";
    }
    if (response.contains("id")) out << "\nresult id: " << text(response, "id") << "\n";
    return out.str();
}

}  // namespace vg::cli
