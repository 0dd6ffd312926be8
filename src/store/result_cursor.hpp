#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vg::store {

// The position after the last record of a page: its created_at (microseconds since the Unix epoch)
// and id. Opaque to clients: base64url (no padding) of "<micros>.<id>".
struct ResultCursor {
    std::int64_t created_us = 0;
    std::string id;
};

std::string encode_cursor(const ResultCursor& cursor);

// Throws std::invalid_argument for anything encode_cursor() would not have produced.
ResultCursor decode_cursor(std::string_view text);

}  // namespace vg::store
