#include "services/gateway/cors.hpp"

#include <algorithm>

namespace vg::services::gateway {

namespace {
std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}
}  // namespace

Cors::Cors(CorsConfig config)
    : config_(std::move(config)),
      methods_(join(config_.allowed_methods)),
      headers_(join(config_.allowed_headers)),
      exposed_(join(config_.exposed_headers)) {}

bool Cors::allowed(std::string_view origin) const {
    return std::any_of(config_.allowed_origins.begin(), config_.allowed_origins.end(),
                       [&](const std::string& o) { return o == "*" || o == origin; });
}

std::optional<net::Response> Cors::preflight(const net::Request& request) const {
    if (request.method != "OPTIONS" || !enabled()) return std::nullopt;
    auto origin = request.headers.get("Origin");
    if (!origin || !request.headers.contains("Access-Control-Request-Method")) return std::nullopt;
    if (!allowed(*origin)) {
        return net::Response::error(403, "cors_origin_not_allowed", "origin '" + std::string(*origin) + "' is not allowed",
                                    request.request_id);
    }
    net::Response response;
    response.status = 204;
    response.headers.set("Access-Control-Allow-Origin", std::string(*origin));
    response.headers.set("Access-Control-Allow-Methods", methods_);
    response.headers.set("Access-Control-Allow-Headers", headers_);
    response.headers.set("Access-Control-Max-Age",
                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config_.max_age).count()));
    response.headers.set("Vary", "Origin");
    return response;
}

void Cors::decorate(const net::Request& request, net::Headers& headers) const {
    if (!enabled()) return;
    auto origin = request.headers.get("Origin");
    if (!origin || !allowed(*origin)) return;
    headers.set("Access-Control-Allow-Origin", std::string(*origin));
    headers.set("Access-Control-Expose-Headers", exposed_);
    headers.set("Vary", "Origin");
}

}  // namespace vg::services::gateway
