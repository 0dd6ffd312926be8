#include "services/gateway/route_table.hpp"

#include <algorithm>

namespace vg::services::gateway {

namespace {

bool prefix_matches(std::string_view prefix, std::string_view path) {
    if (!path.starts_with(prefix)) return false;
    if (path.size() == prefix.size() || prefix.back() == '/') return true;
    return path[prefix.size()] == '/';
}

}  // namespace

RouteTable::RouteTable(std::vector<RouteConfig> routes) : routes_(std::move(routes)) {
    std::stable_sort(routes_.begin(), routes_.end(),
                     [](const RouteConfig& a, const RouteConfig& b) { return a.prefix.size() > b.prefix.size(); });
}

const RouteConfig* RouteTable::match(std::string_view path) const {
    for (const auto& route : routes_) {
        if (prefix_matches(route.prefix, path)) return &route;
    }
    return nullptr;
}

std::string RouteTable::upstream_target(const RouteConfig& route, std::string_view target) {
    if (!route.rewrite) return std::string(target);
    std::string out = *route.rewrite;
    std::string_view rest = target.substr(std::min(route.prefix.size(), target.size()));
    if (!out.empty() && out.back() == '/' && rest.starts_with('/')) rest.remove_prefix(1);
    if ((out.empty() || out.back() != '/') && !rest.empty() && rest[0] != '/' && rest[0] != '?') out += '/';
    out += rest;
    if (out.empty() || out[0] != '/') out.insert(out.begin(), '/');
    return out;
}

bool is_suspicious_path(std::string_view path) {
    if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) return true;
    if (path.find("//") != std::string_view::npos) return true;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view segment = path.substr(start, end - start);
        if (segment == "." || segment == "..") return true;
        start = end + 1;
    }
    return false;
}

}  // namespace vg::services::gateway
