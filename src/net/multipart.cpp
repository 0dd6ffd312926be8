#include "net/multipart.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace vg::net {
namespace {

constexpr std::size_t kMaxParts = 256;
constexpr std::size_t kMaxPartHeaderBytes = 8192;

[[noreturn]] void invalid(const std::string& why) { throw ClientError("invalid_multipart", "invalid multipart body: " + why); }

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string header_parameter(std::string_view value, std::string_view name) {
    const std::size_t size = value.size();
    std::size_t i = value.find(';');
    while (i != std::string_view::npos) {
        ++i;  // past ';'
        std::size_t eq = value.find('=', i);
        if (eq == std::string_view::npos) return {};
        std::string_view key = trim(value.substr(i, eq - i));
        std::size_t j = eq + 1;
        while (j < size && value[j] == ' ') ++j;
        std::string parsed;
        if (j < size && value[j] == '"') {
            for (++j; j < size && value[j] != '"'; ++j) {
                if (value[j] == '\\' && j + 1 < size) ++j;
                parsed += value[j];
            }
            ++j;  // past the closing quote
        } else {
            std::size_t end = std::min(value.find(';', j), size);
            parsed = std::string(trim(value.substr(j, end - j)));
            j = end;
        }
        if (iequals(key, name)) return parsed;
        i = j < size ? value.find(';', j) : std::string_view::npos;
    }
    return {};
}

std::vector<MultipartPart> parse_multipart(std::string_view body, std::string_view content_type) {
    std::string boundary = header_parameter(content_type, "boundary");
    if (boundary.empty()) invalid("Content-Type has no boundary parameter");
    if (boundary.size() > 70) invalid("boundary longer than 70 characters");
    const std::string delimiter = "--" + boundary;

    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) invalid("no opening boundary");
    std::vector<MultipartPart> parts;
    while (true) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
        if (body.substr(pos, 2) != "\r\n") invalid("boundary not followed by CRLF");
        pos += 2;
        std::size_t header_end = body.find("\r\n\r\n", pos);
        if (header_end == std::string_view::npos) invalid("part headers not terminated");
        if (header_end - pos > kMaxPartHeaderBytes) invalid("part headers too large");
        MultipartPart part;
        std::string_view header_block = body.substr(pos, header_end - pos);
        while (!header_block.empty()) {
            std::size_t eol = header_block.find("\r\n");
            std::string_view line = header_block.substr(0, eol);
            header_block = eol == std::string_view::npos ? std::string_view{} : header_block.substr(eol + 2);
            std::size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) invalid("malformed part header");
            part.headers.add(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
        }
        auto disposition = part.headers.get("Content-Disposition");
        if (!disposition || !iequals(trim(disposition->substr(0, disposition->find(';'))), "form-data")) {
            invalid("part without Content-Disposition: form-data");
        }
        part.name = header_parameter(*disposition, "name");
        if (part.name.empty()) invalid("part without a name");
        part.filename = header_parameter(*disposition, "filename");
        part.content_type = std::string(part.headers.get_or("Content-Type", "text/plain"));
        std::size_t data_start = header_end + 4;
        std::size_t next = body.find("\r\n" + delimiter, data_start);
        if (next == std::string_view::npos) invalid("part '" + part.name + "' is not closed by a boundary (truncated body?)");
        part.data = body.substr(data_start, next - data_start);
        parts.push_back(std::move(part));
        if (parts.size() > kMaxParts) invalid("more than " + std::to_string(kMaxParts) + " parts");
        pos = next + 2;
    }
}

}  // namespace vg::net
