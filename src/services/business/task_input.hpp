#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "net/request.hpp"

namespace vg::services::business {

// What a caller sends with a task: the image and optional context.
struct TaskInput {
    std::string image;             // the file's bytes (JPEG, PNG, …; DICOM for medical analysis)
    std::string caller_reference;  // the caller's own id for this item, kept with the result
    nlohmann::json metadata;       // a JSON object kept with the result (null when none)
    std::string question;          // extra instructions appended to the task's prompt
};

// Reads a task request: JSON {"image": base64 or data URI, "caller_reference"?, "metadata"?,
// "question"?} or multipart/form-data with an `image` (or `file`) part and the same fields.
// Throws ClientError naming the field: missing_field, invalid_field, unknown_field, invalid_json,
// invalid_base64, unsupported_media_type (415).
TaskInput parse_task_input(const net::Request& request);

}  // namespace vg::services::business
