#include "engine/remote/chat_stream_reader.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "engine/remote/upstream_error.hpp"

namespace vg::engine {
namespace {

using nlohmann::json;

constexpr std::size_t kQuoteBytes = 120;

// Upstream JSON should be valid UTF-8 already; a server that cut a character between tokens must not make the
// whole chunk unparseable, so repair first.
json parse_json(std::string_view text) {
    if (is_valid_utf8(text)) return json::parse(text, nullptr, false);
    return json::parse(sanitize_utf8(text), nullptr, false);
}

std::string quote(std::string_view text) {
    return "'" + sanitize_utf8(text.substr(0, std::min(text.size(), kQuoteBytes))) + "'";
}

}  // namespace

ChatStreamReader::Progress ChatStreamReader::push(std::string_view bytes) {
    Progress progress;
    if (ended_) return progress;
    if (!saw_event_ && !unstreamed_overflow_) {
        if (unstreamed_.size() + bytes.size() > kMaxUnstreamedBytes) {
            unstreamed_overflow_ = true;
        } else {
            unstreamed_.append(bytes);
        }
    }
    for (const SseEvent& event : sse_.push(bytes)) {
        on_event(event, progress);
        if (ended_) return progress;
    }
    if (sse_.failed()) protocol_error("an event stream line exceeds the size limit", progress);
    return progress;
}

ChatStreamReader::Progress ChatStreamReader::finish() {
    Progress progress;
    if (ended_) return progress;
    for (const SseEvent& event : sse_.finish()) {
        on_event(event, progress);
        if (ended_) return progress;
    }
    if (!saw_event_) {
        on_completion(progress);
    } else if (!finish_reason_.empty()) {
        complete(progress);  // a server that ends the stream without [DONE]: the finish_reason is enough
    } else {
        protocol_error("the event stream ended before the answer was complete", progress);
    }
    return progress;
}

void ChatStreamReader::on_event(const SseEvent& event, Progress& progress) {
    if (!saw_event_) {
        saw_event_ = true;
        std::string().swap(unstreamed_);  // a stream can be long; its start is no longer needed
    }
    if (event.type == "error") {
        return fail({"upstream_error", "upstream failed mid-stream: " + upstream_error_message(event.data), 502, 0},
                    progress);
    }
    if (trim(event.data) == "[DONE]") return complete(progress);
    const json chunk = parse_json(event.data);
    if (chunk.is_discarded() || !chunk.is_object()) {
        return protocol_error("an event is not a JSON object: " + quote(event.data), progress);
    }
    on_chunk(chunk, progress);
}

void ChatStreamReader::on_chunk(const json& chunk, Progress& progress) {
    if (chunk.contains("error")) {
        return fail({"upstream_error", "upstream failed mid-stream: " + upstream_error_message(chunk.dump()), 502, 0},
                    progress);
    }
    take_usage(chunk);
    const auto choices = chunk.find("choices");
    if (choices == chunk.end() || choices->is_null()) return;
    if (!choices->is_array()) return protocol_error("'choices' is not an array", progress);
    if (choices->empty()) return;  // the usage-only chunk that include_usage adds
    const json& choice = choices->front();
    if (!choice.is_object()) return protocol_error("a choice is not an object", progress);
    if (const auto delta = choice.find("delta"); delta != choice.end() && !delta->is_null()) {
        if (!delta->is_object()) return protocol_error("'delta' is not an object", progress);
        if (const auto content = delta->find("content"); content != delta->end()) take_content(*content, progress);
        if (ended_) return;
    }
    if (const auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string()) {
        finish_reason_ = reason->get<std::string>();
    }
}

// A body without any event: the one JSON chat.completion of a server that does not stream.
void ChatStreamReader::on_completion(Progress& progress) {
    if (unstreamed_overflow_) return protocol_error("the answer is neither an event stream nor of sane size", progress);
    const json completion = parse_json(unstreamed_);
    if (completion.is_discarded() || !completion.is_object()) {
        return protocol_error("the answer is neither an event stream nor JSON: " + quote(unstreamed_), progress);
    }
    if (completion.contains("error")) {
        return fail({"upstream_error", "upstream failed: " + upstream_error_message(unstreamed_), 502, 0}, progress);
    }
    take_usage(completion);
    const auto choices = completion.find("choices");
    if (choices == completion.end() || !choices->is_array() || choices->empty() || !choices->front().is_object()) {
        return protocol_error("the answer has no choices", progress);
    }
    const json& choice = choices->front();
    const auto message = choice.find("message");
    if (message == choice.end() || !message->is_object()) return protocol_error("the choice has no message", progress);
    if (const auto content = message->find("content"); content != message->end()) take_content(*content, progress);
    if (ended_) return;
    if (const auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string()) {
        finish_reason_ = reason->get<std::string>();
    }
    complete(progress);
}

void ChatStreamReader::take_usage(const json& object) {
    const auto usage = object.find("usage");
    if (usage == object.end() || !usage->is_object()) return;
    if (const auto n = usage->find("prompt_tokens"); n != usage->end() && n->is_number_integer()) {
        prompt_tokens_ = n->get<int>();
    }
    if (const auto n = usage->find("completion_tokens"); n != usage->end() && n->is_number_integer()) {
        completion_tokens_ = n->get<int>();
    }
}

void ChatStreamReader::take_content(const json& content, Progress& progress) {
    if (content.is_null()) return;  // the role-only first chunk
    if (!content.is_string()) return protocol_error("'content' is not a string", progress);
    const auto& piece = content.get_ref<const std::string&>();
    if (piece.empty()) return;
    ++pieces_;
    std::string whole = utf8_.push(piece);
    text_ += whole;
    progress.text += whole;
}

void ChatStreamReader::complete(Progress& progress) {
    std::string tail = utf8_.finish();
    text_ += tail;
    progress.text += tail;
    progress.done = true;
    ended_ = true;
}

void ChatStreamReader::fail(InferenceError error, Progress& progress) {
    progress.error = std::move(error);
    ended_ = true;
}

void ChatStreamReader::protocol_error(const std::string& problem, Progress& progress) {
    fail({"upstream_protocol", "malformed answer from upstream: " + problem, 502, 0}, progress);
}

}  // namespace vg::engine
