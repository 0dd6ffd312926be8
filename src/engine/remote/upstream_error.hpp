#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/inference.hpp"
#include "net/http_client.hpp"

namespace vg::engine {

// How an OpenAI-compatible upstream's failures reach our clients: as InferenceError values whose status says
// whose fault it was (400: the request, 502/504: the upstream, 503: try again later). Pure functions.

// The human part of an error body: OpenAI's {"error": {"message"}}, {"error": "..."}, {"message": "..."} (vLLM,
// Ollama), else the body itself, trimmed and capped; always valid UTF-8.
std::string upstream_error_message(std::string_view body);

// Seconds from a Retry-After header; 1 when absent or an HTTP date (not worth parsing for a hint), capped at an
// hour.
int retry_after_seconds(std::optional<std::string_view> header);

// A non-2xx answer: 400/413/422 → 400 "upstream_rejected"; 429/503 → 503 "upstream_busy" with retry_after;
// anything else → 502 "upstream_error".
InferenceError error_for_status(int status, std::string_view body, const net::Headers& headers);

// A call that got no complete answer: connect failures → 503 "upstream_unavailable"; deadline → 504
// "upstream_timeout"; unparseable HTTP → 502 "upstream_protocol"; closed mid-answer → 502 "upstream_error".
// kCancelled is not an upstream failure: the caller reports cancelled_error() itself.
InferenceError error_for_transport(net::ClientErrorKind kind, std::string_view message);

// What a cancelled request reports (499, nginx's "client closed request").
InferenceError cancelled_error();

}  // namespace vg::engine
