#include "core/error.hpp"

#include <nlohmann/json.hpp>

namespace vg {

std::string error_body(const std::string& code, const std::string& message, const std::string& request_id) {
    nlohmann::json body = {{"error", {{"code", code}, {"message", message}, {"request_id", request_id}}}};
    // Replace rather than throw on invalid UTF-8: an error body must always be valid JSON.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vg
