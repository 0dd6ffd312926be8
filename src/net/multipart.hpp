#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/headers.hpp"

namespace vg::net {

struct MultipartPart {
    std::string name;          // form field name from Content-Disposition
    std::string filename;      // empty for plain fields
    std::string content_type;  // the part's Content-Type, "text/plain" when absent
    Headers headers;
    std::string_view data;     // view into the request body: keep the body alive
};

// Parses a multipart/form-data body (RFC 7578). `content_type` is the request's Content-Type header
// with its boundary parameter. Throws ClientError("invalid_multipart", …) naming what is wrong.
std::vector<MultipartPart> parse_multipart(std::string_view body, std::string_view content_type);

// The value of a parameter in a header value like `form-data; name="file"; filename="a.png"`.
std::string header_parameter(std::string_view value, std::string_view name);

}  // namespace vg::net
