#pragma once

#include <string>
#include <string_view>

namespace vg::image {

// Starts libvips once per process and sets it up for a server: no operation cache (request
// images never repeat, so caching only holds memory) and no VIPS-WARNING lines on stderr (they
// carry no request id; the failures that matter come back as errors). decode_for_model calls it;
// call it yourself before using vips:: directly. Thread-safe and idempotent; throws
// std::runtime_error if libvips cannot start (a broken install), and a later call retries.
void init_image_library();

// The message of a libvips failure, made fit for a client: the first non-empty line of what
// libvips reported (its error buffer is process-wide in libvips 8.14, so other threads' lines may
// follow it), trimmed and capped. Also clears that buffer, which otherwise fills up and then
// drops every later message. Starts libvips if nothing has yet. Thread-safe.
std::string take_vips_error(std::string_view captured);

}  // namespace vg::image
