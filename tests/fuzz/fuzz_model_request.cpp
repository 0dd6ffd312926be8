// The model service's request bodies (services/model/model_request.hpp): POST /api/model/infer as JSON
// or multipart, POST /v1/chat/completions, with sampling fields and JSON Schemas turned into grammars.
// Input: a first line "infer" or "chat" (JSON body), or else the multipart Content-Type; then the body.
// A bad request may only throw a 4xx vg::Error (anything else would answer 500 internal_error).
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "services/model/model_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto [mode, body] = vg::fuzz::split_first_line(data, size);
    const vg::services::RequestLimits limits{.max_tokens_limit = 4096, .max_question_bytes = 1024, .max_images = 2};
    try {
        vg::services::ModelRequest request;
        if (mode == "infer") {
            request = vg::services::parse_infer_json(std::string(body), limits);
        } else if (mode == "chat") {
            request = vg::services::parse_chat_completion(std::string(body), limits);
        } else {
            vg::net::Request http;
            http.method = "POST";
            http.headers.add("Content-Type", std::string(mode));
            http.body = std::string(body);
            request = vg::services::parse_infer_multipart(http, limits);
        }
        // What the handler relies on once parsing succeeded.
        if (request.messages.empty() || request.encoded_images.size() > limits.max_images) std::abort();
        if (request.sampling.max_tokens < 1 || request.sampling.max_tokens > limits.max_tokens_limit) std::abort();
    } catch (const vg::Error& e) {
        if (e.http_status() < 400 || e.http_status() > 499) std::abort();
    }
    return 0;
}
