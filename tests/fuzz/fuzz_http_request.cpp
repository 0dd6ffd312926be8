// The bytes of one HTTP request up to the handler: Beast's parser under the server's limits, fed in
// growing pieces as a socket would deliver them, then what the session does with the head (mirrored
// step by step from net/detail/http_session.hpp, which only reads from a socket; fuzz_http_server
// drives the real session), the router, and the gateway's route table and path checks.
// Input: the raw request. The first byte sets how many bytes each read adds (1..256).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "net/detail/response_writer.hpp"
#include "net/request.hpp"
#include "net/router.hpp"
#include "net/server_config.hpp"
#include "obs/trace_context.hpp"
#include "services/gateway/client_address.hpp"
#include "services/gateway/route_table.hpp"

namespace {

namespace http = boost::beast::http;
using vg::net::Request;

vg::net::RouteOptions options(std::optional<std::size_t> body_limit, std::vector<std::string> content_types) {
    vg::net::RouteOptions options;
    options.body_limit = body_limit;
    options.content_types = std::move(content_types);
    return options;
}

// The shapes of every role's routes: literals, "{id}" parameters and a "{path...}" catch-all.
const vg::net::Router& service_router() {
    static const vg::net::Router router = [] {
        vg::net::Router r;
        auto ok = [](Request&) { return vg::net::Response::text(200, "ok"); };
        r.get("/health", ok);
        r.get("/ready", ok);
        r.get("/metrics", ok);
        r.get("/api/results", ok);
        r.get("/api/results/{id}", ok);
        r.get("/api/jobs/{id}", ok);
        r.get("/api/jobs/{id}/items/{index}", ok);
        r.get("/console/{path...}", ok);
        r.add("POST", "/api/model/infer", vg::net::sync_handler(ok), options(1024, {"application/json", "multipart/form-data"}));
        r.add("POST", "/v1/chat/completions", vg::net::sync_handler(ok), options(std::nullopt, {"application/json"}));
        r.add("DELETE", "/api/jobs/{id}", vg::net::sync_handler(ok));
        return r;
    }();
    return router;
}

const vg::services::gateway::RouteTable& gateway_routes() {
    static const vg::services::gateway::RouteTable table = [] {
        std::vector<vg::services::gateway::RouteConfig> routes(4);
        routes[0].prefix = "/api/model/";
        routes[0].rewrite = "/api/model/";
        routes[1].prefix = "/v1";
        routes[2].prefix = "/api/product";
        routes[2].rewrite = "";
        routes[3].prefix = "/";
        routes[3].rewrite = "/static";
        return vg::services::gateway::RouteTable(std::move(routes));
    }();
    return table;
}

// What HttpSession::handle_header does before it dispatches.
void inspect_head(const http::request_parser<http::empty_body>& parser) {
    const auto& message = parser.get();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.remote_address = "10.0.0.7:5000";
    for (const auto& field : message) {
        request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    auto id = request.headers.get("X-Request-Id");
    request.request_id = id && vg::net::detail::acceptable_request_id(*id) ? std::string(*id) : "generated";
    if (auto trace = vg::obs::TraceContext::parse(request.headers.get_or("traceparent", ""))) request.trace = *trace;
    (void)request.trace_context();

    auto query_at = request.target.find('?');
    std::string_view raw_path = std::string_view(request.target).substr(0, query_at);
    if (!raw_path.starts_with('/')) return;
    if (query_at != std::string::npos) request.query = request.target.substr(query_at + 1);
    request.path = vg::net::percent_decode(raw_path);
    for (const char* name : {"limit", "cursor", "since", "task", ""}) (void)request.query_param(name);
    (void)request.content_type();

    auto match = service_router().match(request.method, request.path);
    request.path_params = std::move(match.params);
    // The error answers quote the path; they must serialise whatever bytes it holds.
    auto response = vg::net::Response::error(match.route ? 415 : 404, "not_found", "no route for " + request.path, request.request_id);
    (void)vg::net::detail::serialize_response(response, request.request_id, parser.keep_alive());

    // The gateway matches the raw target and forwards the rewritten one.
    (void)vg::services::gateway::is_suspicious_path(request.path);
    std::string_view raw = std::string_view(request.target).substr(0, query_at);
    if (const auto* route = gateway_routes().match(raw)) (void)vg::services::gateway::RouteTable::upstream_target(*route, request.target);
    (void)vg::services::gateway::client_address(request, {"10.0.0.0/8"});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t step = std::size_t{data[0]} + 1;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const vg::net::ServerConfig config;

    http::request_parser<http::empty_body> head;
    head.header_limit(static_cast<std::uint32_t>(config.max_header_bytes.bytes));
    head.body_limit(std::numeric_limits<std::uint64_t>::max());
    boost::beast::error_code ec;
    std::size_t used = 0;
    std::size_t available = std::min(step, input.size());
    // As async_read_header does: offer everything buffered; on need_more, read more and offer again.
    while (!head.is_header_done()) {
        used += head.put(boost::asio::buffer(input.data() + used, available - used), ec);
        if (ec == http::error::need_more) {
            if (available == input.size()) return 0;  // the client stopped mid-head
            available = std::min(available + step, input.size());
            ec = {};
            continue;
        }
        if (ec) return 0;  // the session answers 400/431
    }
    inspect_head(head);

    const bool has_body = head.chunked() || head.content_length().value_or(0) > 0;
    if (!has_body) return 0;
    constexpr std::uint64_t kBodyLimit = 64 * 1024;
    if (head.content_length().value_or(0) > kBodyLimit) return 0;  // the session answers 413 before reading
    http::request_parser<http::string_body> body(std::move(head));
    body.body_limit(kBodyLimit);
    available = input.size();
    while (!body.is_done() && used < available) {
        std::size_t n = body.put(boost::asio::buffer(input.data() + used, available - used), ec);
        used += n;
        if (ec == http::error::need_more) break;  // the client stopped mid-body
        if (ec) return 0;                         // 400 malformed_body or 413
        if (n == 0) break;
    }
    if (body.is_done()) (void)body.get().body().size();
    return 0;
}
