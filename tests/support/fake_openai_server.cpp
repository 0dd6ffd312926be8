#include "support/fake_openai_server.hpp"

#include <algorithm>

namespace vg::test {
namespace {

using nlohmann::json;

constexpr const char* kChatPath = "/v1/chat/completions";

std::string event(const json& data) {
    return "data: " + data.dump() + "\n\n";
}

json chunk(const std::string& model, json delta, json finish_reason = nullptr) {
    return {{"id", "chatcmpl-fake"},
            {"object", "chat.completion.chunk"},
            {"created", 0},
            {"model", model},
            {"choices",
             json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish_reason)}}})}};
}

json usage_json(const std::pair<int, int>& usage) {
    return {{"prompt_tokens", usage.first},
            {"completion_tokens", usage.second},
            {"total_tokens", usage.first + usage.second}};
}

// The events as llama-server and vLLM send them: a role-only opener, one chunk per piece, a chunk with the
// finish_reason, the usage chunk (include_usage), [DONE]. The first string is a comment line, as keep-alives are.
std::vector<std::string> stream_events(const OpenAiReply& reply, const std::string& model) {
    std::vector<std::string> events{": fake upstream\n\n",
                                    event(chunk(model, {{"role", "assistant"}, {"content", ""}}))};
    for (const auto& piece : reply.pieces) events.push_back(event(chunk(model, {{"content", piece}})));
    events.push_back(event(chunk(model, json::object(), reply.finish_reason)));
    if (reply.usage) {
        events.push_back(event({{"id", "chatcmpl-fake"},
                                {"object", "chat.completion.chunk"},
                                {"model", model},
                                {"choices", json::array()},
                                {"usage", usage_json(*reply.usage)}}));
    }
    if (reply.send_done) events.push_back("data: [DONE]\n\n");
    return events;
}

// One HTTP chunk per string, or the concatenation cut every `split` bytes.
void write_pieces(ChunkedBody& body, const std::vector<std::string>& parts, std::size_t split) {
    if (split == 0) {
        for (const auto& part : parts) body.write(part);
        return;
    }
    std::string all;
    for (const auto& part : parts) all += part;
    for (std::size_t pos = 0; pos < all.size(); pos += split) body.write(std::string_view(all).substr(pos, split));
}

Reply stream_reply(const OpenAiReply& reply, const std::string& model) {
    auto body = std::make_shared<ChunkedBody>();
    const std::vector<std::string> events = stream_events(reply, model);
    // Events before the pieces: the comment and the role opener.
    constexpr std::size_t kLead = 2;
    // The first `pieces` pieces and what comes before them, and the rest.
    const auto split = [&](std::size_t pieces) {
        const auto at = events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), kLead + pieces));
        return std::pair(std::vector<std::string>(events.begin(), at), std::vector<std::string>(at, events.end()));
    };
    if (reply.close_at) {
        write_pieces(*body, split(*reply.close_at).first, reply.split_bytes);
        body->abort();
    } else if (reply.hold_at && reply.hold_gate) {
        auto [head, rest] = split(*reply.hold_at);
        write_pieces(*body, head, reply.split_bytes);
        reply.hold_gate->on_open([body, rest = std::move(rest), split_bytes = reply.split_bytes] {
            write_pieces(*body, rest, split_bytes);
            body->finish();
        });
    } else {
        write_pieces(*body, events, reply.split_bytes);
        body->finish();
    }
    return Reply::streamed(body).header("Content-Type", "text/event-stream").header("Cache-Control", "no-cache");
}

Reply complete_reply(const OpenAiReply& reply, const std::string& model) {
    std::string content;
    for (const auto& piece : reply.pieces) content += piece;
    json answer = {{"id", "chatcmpl-fake"},
                   {"object", "chat.completion"},
                   {"created", 0},
                   {"model", model},
                   {"choices", json::array({{{"index", 0},
                                             {"message", {{"role", "assistant"}, {"content", content}}},
                                             {"finish_reason", reply.finish_reason}}})}};
    if (reply.usage) answer["usage"] = usage_json(*reply.usage);
    return Reply::respond(200, answer.dump()).header("Content-Type", "application/json");
}

Reply error_reply(const OpenAiReply& reply) {
    const json body = {{"error", {{"message", reply.body}, {"type", "fake_error"}, {"code", reply.status}}}};
    return Reply::respond(reply.status, body.dump()).header("Content-Type", "application/json");
}

Reply raw_reply(const OpenAiReply& reply) {
    auto body = std::make_shared<ChunkedBody>();
    write_pieces(*body, {reply.body}, reply.split_bytes);
    body->finish();
    return Reply::streamed(body, reply.status).header("Content-Type", "text/event-stream");
}

}  // namespace

// --- OpenAiReply ----------------------------------------------------------------------------------------------

OpenAiReply OpenAiReply::stream(std::vector<std::string> pieces) {
    OpenAiReply reply;
    reply.pieces = std::move(pieces);
    return reply;
}

OpenAiReply OpenAiReply::complete(std::string content) {
    OpenAiReply reply;
    reply.kind = Kind::kComplete;
    reply.pieces = {std::move(content)};
    return reply;
}

OpenAiReply OpenAiReply::error(int status, std::string message) {
    OpenAiReply reply;
    reply.kind = Kind::kError;
    reply.status = status;
    reply.body = std::move(message);
    return reply;
}

OpenAiReply OpenAiReply::raw_events(std::string event_stream) {
    OpenAiReply reply;
    reply.kind = Kind::kRaw;
    reply.body = std::move(event_stream);
    return reply;
}

OpenAiReply OpenAiReply::stall() {
    OpenAiReply reply;
    reply.kind = Kind::kStall;
    return reply;
}

OpenAiReply& OpenAiReply::with_usage(int prompt_tokens, int completion_tokens) {
    usage = std::pair(prompt_tokens, completion_tokens);
    return *this;
}

OpenAiReply& OpenAiReply::with_finish_reason(std::string reason) {
    finish_reason = std::move(reason);
    return *this;
}

OpenAiReply& OpenAiReply::header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

OpenAiReply& OpenAiReply::split_every(std::size_t bytes) {
    split_bytes = bytes;
    return *this;
}

OpenAiReply& OpenAiReply::close_after(std::size_t pieces_sent) {
    close_at = pieces_sent;
    return *this;
}

OpenAiReply& OpenAiReply::hold_after(std::size_t pieces_sent, std::shared_ptr<Gate> gate) {
    hold_at = pieces_sent;
    hold_gate = std::move(gate);
    return *this;
}

OpenAiReply& OpenAiReply::after(std::shared_ptr<Gate> gate) {
    start_gate = std::move(gate);
    return *this;
}

OpenAiReply& OpenAiReply::without_done() {
    send_done = false;
    return *this;
}

// --- FakeOpenAiServer -----------------------------------------------------------------------------------------

FakeOpenAiServer::FakeOpenAiServer()
    : default_reply_(OpenAiReply::stream({"ok"})),
      upstream_([this](const RecordedRequest& request) { return answer(request); }) {}

std::string FakeOpenAiServer::base_url() const {
    return "http://127.0.0.1:" + std::to_string(upstream_.port());
}

void FakeOpenAiServer::push(OpenAiReply reply) {
    std::lock_guard lock(mutex_);
    scripted_.push_back(std::move(reply));
}

void FakeOpenAiServer::set_default(OpenAiReply reply) {
    std::lock_guard lock(mutex_);
    default_reply_ = std::move(reply);
}

std::vector<ChatRequestRecord> FakeOpenAiServer::requests() const {
    std::vector<ChatRequestRecord> out;
    for (const auto& request : upstream_.requests()) {
        out.push_back(
            {request.method, request.target, request.headers, request.body, json::parse(request.body, nullptr, false)});
    }
    return out;
}

Reply FakeOpenAiServer::answer(const RecordedRequest& request) {
    if (request.method != "POST" || request.target != kChatPath) {
        return Reply::respond(404, R"({"error":{"message":"not found","type":"not_found_error","code":404}})");
    }
    OpenAiReply reply;
    {
        std::lock_guard lock(mutex_);
        if (scripted_.empty()) {
            reply = default_reply_;
        } else {
            reply = std::move(scripted_.front());
            scripted_.pop_front();
        }
    }
    const json body = json::parse(request.body, nullptr, false);
    const std::string model = body.is_object() && body.contains("model") && body["model"].is_string()
                                  ? body["model"].get<std::string>()
                                  : "fake-model";
    Reply out;
    switch (reply.kind) {
        case OpenAiReply::Kind::kStream: out = stream_reply(reply, model); break;
        case OpenAiReply::Kind::kComplete: out = complete_reply(reply, model); break;
        case OpenAiReply::Kind::kError: out = error_reply(reply); break;
        case OpenAiReply::Kind::kRaw: out = raw_reply(reply); break;
        case OpenAiReply::Kind::kStall: out = Reply::stall(); break;
    }
    for (auto& [name, value] : reply.headers) out.header(name, value);
    if (reply.start_gate) out.after(reply.start_gate);
    return out;
}

}  // namespace vg::test
