#include "store/record_rules.hpp"

#include <array>
#include <stdexcept>

namespace vg::store {

namespace {

constexpr std::size_t kMaxIdLength = 128;
constexpr std::array<std::string_view, 3> kStatuses = {"ok", "model_output_invalid", "failed"};
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid UTF-8 sequence at `text[i]`, or 0 when it is invalid (overlong forms,
// surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead == 0) return 0;
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    if (byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    }
    return length;
}

void sanitize_in_place(std::string& text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            text = sanitize_utf8(text);
            return;
        }
        i += length;
    }
}

// PostgreSQL's jsonb refuses "\u0000" as well as invalid UTF-8: clean every string and key.
void sanitize_json(nlohmann::json& value) {
    if (value.is_string()) {
        sanitize_in_place(value.get_ref<std::string&>());
    } else if (value.is_array()) {
        for (auto& item : value) sanitize_json(item);
    } else if (value.is_object()) {
        nlohmann::json clean = nlohmann::json::object();
        for (auto& [key, item] : value.items()) {
            sanitize_json(item);
            clean[sanitize_utf8(key)] = std::move(item);
        }
        value = std::move(clean);
    }
}

}  // namespace

bool valid_result_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    for (char c : id) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
                        c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string sanitize_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

void prepare_for_insert(ResultRecord& record, IdGenerator& ids) {
    if (record.task.empty()) throw std::invalid_argument("a result needs a task");
    bool known_status = false;
    for (auto status : kStatuses) known_status = known_status || record.status == status;
    if (!known_status) {
        throw std::invalid_argument("unknown result status '" + sanitize_utf8(record.status) +
                                    "' (allowed: ok, model_output_invalid, failed)");
    }
    if (!record.metadata.is_null() && !record.metadata.is_object()) {
        throw std::invalid_argument("result metadata must be an object or null");
    }
    if (!record.id.empty() && !valid_result_id(record.id)) {
        throw std::invalid_argument("a result id is 1..128 characters of [0-9A-Za-z._:-]");
    }
    if (record.latency.count() < 0) throw std::invalid_argument("result latency must not be negative");

    const auto now = std::chrono::system_clock::now();
    if (record.created_at == std::chrono::system_clock::time_point{}) record.created_at = now;
    record.created_at = from_micros(to_micros(record.created_at));
    if (record.id.empty()) record.id = ids.next(now);
    for (std::string* text : {&record.task, &record.caller_reference, &record.image_hash, &record.model,
                              &record.prompt_version, &record.raw_output, &record.error}) {
        sanitize_in_place(*text);
    }
    sanitize_json(record.result);
    sanitize_json(record.metadata);
}

void prepare_new_job(JobRecord& job, std::vector<std::string>& sources, const std::vector<std::string>& payloads,
                     IdGenerator& ids) {
    if (job.task.empty()) throw std::invalid_argument("a job needs a task");
    if (sources.empty()) throw std::invalid_argument("a job needs at least one item");
    if (!payloads.empty() && payloads.size() != sources.size()) {
        throw std::invalid_argument("a job needs one payload per item, or none");
    }
    if (!job.metadata.is_null() && !job.metadata.is_object()) {
        throw std::invalid_argument("job metadata must be an object or null");
    }
    const auto now = from_micros(to_micros(std::chrono::system_clock::now()));
    job.id = ids.next(now);
    job.state = "running";
    job.created_at = now;
    job.updated_at = now;
    job.total = sources.size();
    job.pending = sources.size();
    job.done = 0;
    job.failed = 0;
    for (std::string* text : {&job.task, &job.caller_reference, &job.webhook_url}) sanitize_in_place(*text);
    for (std::string& source : sources) sanitize_in_place(source);
    sanitize_json(job.metadata);
}

std::optional<ResultCursor> check_query(const ResultQuery& query) {
    if (query.limit < 1 || query.limit > kMaxListLimit) {
        throw std::invalid_argument("limit must be 1.." + std::to_string(kMaxListLimit));
    }
    if (query.cursor.empty()) return std::nullopt;
    ResultCursor cursor = decode_cursor(query.cursor);
    if (!valid_result_id(cursor.id)) throw std::invalid_argument("malformed cursor");
    return cursor;
}

std::string json_text(const nlohmann::json& value) {
    if (value.is_null()) return {};
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json parse_json_column(std::string_view text, std::string_view column) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw StoreError("stored " + std::string(column) + " is not JSON: " + e.what());
    }
}

std::int64_t to_micros(std::chrono::system_clock::time_point time) {
    return std::chrono::floor<std::chrono::microseconds>(time.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_micros(std::int64_t micros) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::microseconds(micros)));
}

}  // namespace vg::store
