#pragma once

#include <string>
#include <string_view>

#include "net/request.hpp"

namespace vg::net::detail {

// Serialises responses ourselves: one string per response keeps the write path free of Beast's
// serializer templates and lets the session queue plain buffers.
std::string serialize_head(int status, const Headers& headers, std::string_view request_id, bool keep_alive,
                           const std::string* content_length_body);
std::string serialize_response(const Response& response, std::string_view request_id, bool keep_alive);
// One chunk of a chunked body; an empty `data` yields nothing (the terminator is separate).
std::string serialize_chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// A request id we accept from a client: 1..128 chars of [A-Za-z0-9._:-]; anything else is replaced.
bool acceptable_request_id(std::string_view id);

}  // namespace vg::net::detail
