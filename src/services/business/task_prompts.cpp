#include "services/business/task_prompts.hpp"

#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace vg::services::business {
namespace {

struct BuiltIn {
    std::string_view task;
    std::string_view language;
    std::string_view version;
    std::string_view text;
};

// Field names stay in English in every language: they are the schema's property names.
constexpr BuiltIn kPrompts[] = {
    {"product_analysis", "zh", "product_analysis/zh/v1",
     R"P(你是一名电商商品分析助手。请仔细观察图片中的商品，只输出一个 JSON 对象，不要输出任何其他文字。JSON 包含以下字段：
- product_name：商品名称；
- category：商品类别，例如“服装”“数码电子”“食品饮料”；
- attributes：商品属性对象，包含 color（颜色）、material（材质）、brand（品牌），图片中看不出的属性填 null；
- intended_use：商品的用途；
- description：不超过 200 字的简短描述。
各字段内容请用中文填写。)P"},
    {"product_analysis", "en", "product_analysis/en/v1",
     R"P(You are a product analysis assistant for an online store. Look carefully at the product in the image and reply with a single JSON object and nothing else. The JSON has these fields:
- product_name: the product's name;
- category: the product category, e.g. "clothing", "electronics", "food and drink";
- attributes: an object with color, material and brand; use null for any attribute the image does not show;
- intended_use: what the product is used for;
- description: a short description of at most 100 words.)P"},

    {"product_review", "zh", "product_review/zh/v1",
     R"P(你是一名电商平台的商品合规审核员。请判断图片中的商品是否属于禁售或限售商品。需要检查的类别有：{categories}。
只输出一个 JSON 对象，不要输出任何其他文字。JSON 包含以下字段：
- verdict：审核结论，只能是 "pass"（未发现问题，可以上架）、"reject"（属于禁售或限售商品，拒绝）或 "manual_review"（无法确定，需要人工复核）；
- matched_categories：命中的类别数组，只能使用上面列出的类别名称，没有命中时为空数组 []；
- reasons：判断理由的数组，每条一句话，用中文填写；
- confidence：你对结论的把握程度，0 到 1 之间的小数。
如果图片不清晰或无法确定，请选择 "manual_review"。)P"},
    {"product_review", "en", "product_review/en/v1",
     R"P(You are a compliance reviewer for an online marketplace. Decide whether the product in the image is prohibited or restricted. The categories to check are: {categories}.
Reply with a single JSON object and nothing else. The JSON has these fields:
- verdict: "pass" (no problem found, the product may be listed), "reject" (prohibited or restricted goods) or "manual_review" (you cannot tell; a person must check);
- matched_categories: the categories the product falls under, using only the names listed above; an empty array [] when none applies;
- reasons: an array of reasons for the verdict, one sentence each;
- confidence: how sure you are of the verdict, a number between 0 and 1.
If the image is unclear or you are unsure, choose "manual_review".)P"},

    {"homework_correction", "zh", "homework_correction/zh/v1",
     R"P(你是一名认真负责的老师，正在批改学生的作业。请识别图片中的每一道题，并逐题批改。
只输出一个 JSON 对象，不要输出任何其他文字。JSON 包含以下字段：
- questions：题目数组，每道题一个对象，包含：
  - number：题号，例如 "1"、"2(3)"；
  - question：识别出的题目内容；
  - student_answer：学生的作答；
  - correct：作答是否正确，true 或 false；
  - expected_answer：正确答案；
  - comment：简短评语，答错时说明错在哪里；
- score：答对的题数（整数）；
- total：题目总数（整数）。
看不清的内容请如实说明，不要猜测。评语请用中文填写。)P"},
    {"homework_correction", "en", "homework_correction/en/v1",
     R"P(You are a careful teacher marking a student's homework. Read every question in the image and mark each one.
Reply with a single JSON object and nothing else. The JSON has these fields:
- questions: an array with one object per question, each with:
  - number: the question number, e.g. "1" or "2(c)";
- question:the question as you read it;
- student_answer:the student's answer; - correct:whether the answer is correct, true or false; -
    expected_answer:the correct answer;
- comment:a short comment; for
    a wrong answer, say what went wrong;
- score:the number of questions answered correctly(an integer);
- total: the number of questions (an integer).
Where something cannot be read, say so instead of guessing.)P"},

    {"medical_analysis", "zh", "medical_analysis/zh/v1",
     R"P(你是一名医学影像分析助手。请观察这张医学影像，客观描述你看到的内容。
只输出一个 JSON 对象，不要输出任何其他文字。JSON 包含以下字段：
- modality：影像类型，只能是 "xray"、"ct"、"mri"、"ultrasound"、"mammography"、"other" 之一；
- body_part：检查部位，例如“胸部”“左膝”；
- findings：影像所见的数组，每项包含 description（描述）、location（位置）、severity（程度，只能是 "normal"、"mild"、"moderate"、"severe" 之一）；
- abnormal：是否存在异常，true 或 false。
只描述影像所见，不要给出诊断结论或治疗建议。各字段内容请用中文填写。)P"},
    {"medical_analysis", "en", "medical_analysis/en/v1",
     R"P(You are a medical imaging analysis assistant. Look at this medical image and describe objectively what you see.
Reply with a single JSON object and nothing else. The JSON has these fields:
- modality: the kind of image, one of "xray", "ct", "mri", "ultrasound", "mammography", "other";
- body_part: the part of the body shown, e.g. "chest" or "left knee";
- findings: an array of findings, each with description, location and severity (one of "normal", "mild", "moderate", "severe");
- abnormal: whether anything abnormal is visible, true or false.
Describe only what the image shows; give no diagnosis and no treatment advice.)P"},
};

// FNV-1a: a short, stable tag for an override's text (not a security measure).
std::uint32_t fnv1a(std::string_view text) {
    std::uint32_t hash = 2166136261u;
    for (char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619u;
    }
    return hash;
}

void check_language(std::string_view language) {
    if (language != "zh" && language != "en") {
        throw std::invalid_argument("unknown prompt language '" + std::string(language) + "'");
    }
}

}  // namespace

PromptTemplate default_prompt(std::string_view task, std::string_view language) {
    check_language(language);
    for (const auto& prompt : kPrompts) {
        if (prompt.task == task && prompt.language == language) {
            return {std::string(prompt.version), std::string(prompt.text)};
        }
    }
    throw std::invalid_argument("unknown business task '" + std::string(task) + "'");
}

PromptTemplate override_prompt(std::string_view task, std::string_view language, std::string text) {
    check_language(language);
    char tag[16];
    std::snprintf(tag, sizeof tag, "%08x", static_cast<unsigned>(fnv1a(text)));
    return {std::string(task) + "/" + std::string(language) + "/custom-" + tag, std::move(text)};
}

std::string_view extra_label(std::string_view language) {
    return language == "en" ? "\n\nAdditional context from the requester: " : "\n\n补充说明：";
}

}  // namespace vg::services::business
