#include "net/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace vg::net {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = path.starts_with('/') ? 1 : 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

bool is_param(std::string_view segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
    if (!pattern.starts_with('/')) throw std::invalid_argument("route pattern must start with '/': " + pattern);
    for (const auto& route : routes_) {
        if (route.method == method && route.pattern == pattern) throw std::invalid_argument("duplicate route " + method + " " + pattern);
    }
    std::vector<std::string> split;
    bool literal = true;
    for (auto segment : segments(pattern)) {
        literal = literal && !is_param(segment);
        split.emplace_back(segment);
    }
    if (literal) literal_[pattern].push_back(routes_.size());
    routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), std::move(options), std::move(split)});
}

bool Router::match_segments(const std::vector<std::string>& want, const std::vector<std::string_view>& have,
                            std::map<std::string, std::string>& params) {
    for (std::size_t i = 0; i < want.size(); ++i) {
        std::string_view w = want[i];
        if (is_param(w) && w.ends_with("...}")) {
            if (i >= have.size()) return false;
            std::string rest;
            for (std::size_t j = i; j < have.size(); ++j) {
                if (j > i) rest += '/';
                rest.append(have[j]);
            }
            params[std::string(w.substr(1, w.size() - 5))] = rest;
            return true;
        }
        if (i >= have.size()) return false;
        if (is_param(w)) {
            if (have[i].empty()) return false;
            params[std::string(w.substr(1, w.size() - 2))] = std::string(have[i]);
        } else if (w != have[i]) {
            return false;
        }
    }
    return want.size() == have.size();
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    Match result;
    if (auto it = literal_.find(path); it != literal_.end()) {
        for (std::size_t index : it->second) {
            if (routes_[index].method == method) {
                result.route = &routes_[index];
                return result;
            }
        }
    }
    const auto have = segments(path);
    for (const auto& route : routes_) {
        std::map<std::string, std::string> params;
        if (!match_segments(route.segments, have, params)) continue;
        if (route.method == method) {
            result.route = &route;
            result.params = std::move(params);
            result.allowed_methods.clear();
            return result;
        }
        if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method) == result.allowed_methods.end()) {
            result.allowed_methods.push_back(route.method);
        }
    }
    return result;
}

}  // namespace vg::net
