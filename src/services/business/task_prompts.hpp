#pragma once

#include <string>
#include <string_view>

namespace vg::services::business {

// A prompt template and the version recorded with every result produced from it.
struct PromptTemplate {
    std::string version;  // "product_review/zh/v1"; "product_review/zh/custom-1a2b3c4d" for an override
    std::string text;     // may hold {categories} (product_review) and {question} (the caller's extra text)
};

// The built-in template of `task` in `language` ("zh", the original system's prompts, or "en"). Throws
// std::invalid_argument for an unknown task or language.
PromptTemplate default_prompt(std::string_view task, std::string_view language);

// A template from config: its version names the task, the language and a hash of the text, so results made
// with different overrides can be told apart.
PromptTemplate override_prompt(std::string_view task, std::string_view language, std::string text);

// How the caller's extra text is introduced when the template has no {question} placeholder.
std::string_view extra_label(std::string_view language);

}  // namespace vg::services::business
