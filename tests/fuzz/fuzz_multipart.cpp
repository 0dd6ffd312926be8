// multipart/form-data bodies (net/multipart.hpp) as uploads arrive at /api/model/infer and the
// business routes. Input: the Content-Type header value on the first line, then the body.
// Only ClientError may come out, and every part must lie inside the body.
#include <cstdlib>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "net/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto [content_type, body] = vg::fuzz::split_first_line(data, size);
    (void)vg::net::header_parameter(content_type, "boundary");
    (void)vg::net::header_parameter(content_type, "charset");
    try {
        for (const auto& part : vg::net::parse_multipart(body, content_type)) {
            if (part.name.empty()) std::abort();
            if (part.data.data() < body.data() || part.data.data() + part.data.size() > body.data() + body.size()) std::abort();
            (void)vg::net::header_parameter(part.headers.get_or("Content-Disposition", ""), "filename");
        }
    } catch (const vg::ClientError& e) {
        if (e.code() != "invalid_multipart") std::abort();
    }
    return 0;
}
