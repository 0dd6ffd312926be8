#include "services/gateway/proxy.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <optional>

#include "services/gateway/route_table.hpp"

namespace vg::services::gateway {

namespace {

using std::chrono::steady_clock;

// Answers up to this size with a known length are buffered and sent in one write.
constexpr std::size_t kMaxBufferedBody = 8u * 1024 * 1024;

std::string affinity_key(const RouteConfig& route, const net::Request& request, const std::string& client_ip) {
    switch (route.affinity.source) {
        case AffinityConfig::Source::kNone: return {};
        case AffinityConfig::Source::kBody: return std::to_string(std::hash<std::string_view>{}(request.body));
        case AffinityConfig::Source::kClientIp: return client_ip;
        case AffinityConfig::Source::kHeader: return std::string(request.header(route.affinity.header));
    }
    return {};
}

// The caller's own remaining time (X-VisionGrid-Timeout-Ms) when it is shorter than the route's.
steady_clock::time_point deadline_for(const RouteConfig& route, const net::Request& request) {
    auto deadline = request.received_at + route.timeout;
    if (auto header = request.headers.get(cluster::kTimeoutHeader)) {
        long long ms = 0;
        auto [end, ec] = std::from_chars(header->data(), header->data() + header->size(), ms);
        if (ec == std::errc{} && end == header->data() + header->size() && ms > 0) {
            deadline = std::min(deadline, request.received_at + std::chrono::milliseconds(ms));
        }
    }
    return deadline;
}

net::Headers upstream_headers(net::Request& request, const ProxyPlan& plan) {
    net::Headers out;
    for (const auto& [name, value] : request.headers) {
        if (is_hop_by_hop(name) || net::iequals(name, "Host") || net::iequals(name, "Authorization") ||
            net::iequals(name, "X-API-Key") || net::iequals(name, "X-VisionGrid-Principal") ||
            net::iequals(name, "X-Forwarded-For") || net::iequals(name, "X-Request-Id") ||
            net::iequals(name, "traceparent") || net::iequals(name, cluster::kTimeoutHeader)) {
            continue;
        }
        out.add(name, value);
    }
    std::string forwarded(request.header("X-Forwarded-For"));
    out.set("X-Forwarded-For", forwarded.empty() ? plan.client_ip : forwarded + ", " + plan.client_ip);
    out.set("X-Forwarded-Proto", plan.tls ? "https" : "http");
    if (auto host = request.headers.get("Host")) out.set("X-Forwarded-Host", std::string(*host));
    if (!plan.principal.empty()) out.set("X-VisionGrid-Principal", plan.principal);
    net::propagate_context(request, out);
    return out;
}

// Relays one upstream answer to the client; lives until both the upstream call and the answer end.
class Relay : public std::enable_shared_from_this<Relay> {
public:
    Relay(std::shared_ptr<net::Exchange> exchange, ProxyPlan plan, std::string request_id,
          std::function<void(const ProxyOutcome&)> on_complete)
        : exchange_(std::move(exchange)),
          plan_(std::move(plan)),
          request_id_(std::move(request_id)),
          on_complete_(std::move(on_complete)) {}

    void on_head(const net::ClientResponse& head) {
        net::Headers headers;
        for (const auto& [name, value] : head.headers) {
            if (!is_hop_by_hop(name) && !net::iequals(name, "Content-Length")) headers.add(name, value);
        }
        for (const auto& [name, value] : plan_.response_headers) {
            // The upstream's own Vary (e.g. Accept-Encoding) must survive CORS's Vary: Origin.
            auto upstream_vary = headers.get("Vary");
            if (net::iequals(name, "Vary") && upstream_vary) {
                headers.set("Vary", std::string(*upstream_vary) + ", " + value);
            } else {
                headers.set(name, value);
            }
        }
        headers.set("X-Request-Id", request_id_);
        status_ = head.status;
        const auto length = head.headers.get("Content-Length");
        const bool event_stream = head.headers.get_or("Content-Type", "").starts_with("text/event-stream");
        std::size_t declared = 0;
        if (length) std::from_chars(length->data(), length->data() + length->size(), declared);
        std::lock_guard lock(mutex_);
        if (length && !event_stream && declared <= kMaxBufferedBody) {
            buffered_.emplace();
            buffered_->status = head.status;
            buffered_->headers = std::move(headers);
            buffered_->body.reserve(declared);
        } else {
            stream_ = exchange_->stream(head.status, std::move(headers));
        }
    }

    void on_chunk(std::string_view chunk) {
        std::shared_ptr<net::ResponseStream> stream;
        {
            std::lock_guard lock(mutex_);
            if (buffered_) {
                buffered_->body.append(chunk);
                return;
            }
            stream = stream_;
        }
        if (stream) stream->write(std::string(chunk));
    }

    void on_done(cluster::UpstreamResult result) {
        ProxyOutcome outcome;
        std::optional<net::Response> answer;
        std::shared_ptr<net::ResponseStream> stream;
        {
            std::lock_guard lock(mutex_);
            stream = std::move(stream_);
            if (buffered_ && result.error.empty()) {
                answer = std::move(*buffered_);
            } else if (!result.head_delivered || buffered_) {
                answer = error_response(result);
            }
            buffered_.reset();
        }
        outcome.status = answer ? answer->status : status_;
        if (answer) {
            if (!result.error.empty() && result.error != "cancelled") {
                for (const auto& [name, value] : plan_.response_headers) answer->headers.set(name, value);
            }
            if (result.error != "cancelled") exchange_->respond(std::move(*answer));
        }
        if (stream) {
            // A stream that broke upstream must not look complete downstream.
            if (outcome.status != 0 && !result.error.empty() && result.error != "cancelled") {
                stream->abort();
            } else {
                stream->finish();
            }
        }
        if (result.error == "cancelled") outcome.status = 499;  // the client went away (nginx's convention)
        outcome.upstream = std::move(result);
        if (on_complete_) on_complete_(outcome);
    }

private:
    net::Response error_response(const cluster::UpstreamResult& result) const {
        const std::string& upstream = plan_.pool->name();
        if (result.error == "no_healthy_upstream") {
            return net::Response::error(503, "no_healthy_upstream", "no instance of '" + upstream + "' can take the request now",
                                        request_id_, 1);
        }
        if (result.error == "upstream_timeout") {
            return net::Response::error(504, "upstream_timeout", "'" + upstream + "' did not answer in time", request_id_);
        }
        if (result.error == "bad_request") {
            return net::Response::error(400, "bad_request", result.result.error_message, request_id_);
        }
        return net::Response::error(502, result.error.empty() ? "upstream_failed" : result.error,
                                    "'" + upstream + "' failed: " + result.result.error_message, request_id_);
    }

    std::shared_ptr<net::Exchange> exchange_;
    ProxyPlan plan_;
    std::string request_id_;
    std::function<void(const ProxyOutcome&)> on_complete_;
    std::mutex mutex_;
    int status_ = 0;
    std::optional<net::Response> buffered_;
    std::shared_ptr<net::ResponseStream> stream_;
};

}  // namespace

bool is_hop_by_hop(std::string_view name) {
    static constexpr std::array<std::string_view, 9> kFields{"Connection",        "Keep-Alive", "Proxy-Authenticate",
                                                             "Proxy-Authorization", "TE",         "Trailer",
                                                             "Transfer-Encoding", "Upgrade",    "Proxy-Connection"};
    return std::any_of(kFields.begin(), kFields.end(), [&](std::string_view field) { return net::iequals(field, name); });
}

void forward(net::Request& request, std::shared_ptr<net::Exchange> exchange, ProxyPlan plan,
             std::function<void(const ProxyOutcome&)> on_complete) {
    const RouteConfig& route = *plan.route;
    cluster::UpstreamRequest upstream;
    upstream.method = request.method;
    upstream.target = RouteTable::upstream_target(route, request.target);
    upstream.headers = upstream_headers(request, plan);
    upstream.affinity_key = affinity_key(route, request, plan.client_ip);
    upstream.body = std::move(request.body);
    upstream.deadline = deadline_for(route, request);
    upstream.retry = route.retry;
    auto pool = plan.pool;
    auto relay = std::make_shared<Relay>(exchange, std::move(plan), request.request_id, std::move(on_complete));
    upstream.on_head = [relay](const net::ClientResponse& head) { relay->on_head(head); };
    upstream.on_chunk = [relay](std::string_view chunk) { relay->on_chunk(chunk); };
    auto handle = cluster::send_upstream(std::move(pool), std::move(upstream),
                                         [relay](cluster::UpstreamResult result) { relay->on_done(std::move(result)); });
    exchange->on_cancel([handle] { handle->cancel(); });
}

}  // namespace vg::services::gateway
