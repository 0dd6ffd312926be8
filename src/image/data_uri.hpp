#pragma once

#include <string>
#include <string_view>

namespace vg::image {

struct DataUri {
    std::string media_type;  // as given, type/subtype lower-cased, parameters kept; RFC 2397's default when empty
    std::string data;        // the decoded bytes
};

// Parses `data:[<media type>][;base64],<data>` (RFC 2397). Base64 payloads go through
// decode_base64 (so whitespace and the URL-safe alphabet are fine); others are percent-decoded.
// Anything that is not a data URI, lacks the comma, or has a bad percent escape throws ClientError
// "invalid_data_uri"; a bad base64 payload throws "invalid_base64". Thread-safe.
DataUri decode_data_uri(std::string_view uri);

// The bytes of an image field in a request, which clients fill either with raw base64 or with a
// data URI (what OpenAI-style `image_url` parts carry). Surrounding whitespace is ignored. The
// media type is not trusted: the decoder sniffs the bytes. Thread-safe.
std::string decode_image_field(std::string_view field);

}  // namespace vg::image
