#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/request.hpp"

namespace vg::net {

struct RouteOptions {
    std::optional<std::size_t> body_limit;    // bytes; the server's default when unset
    std::vector<std::string> content_types;   // accepted media types of a body; empty accepts any
    // When set, decides the limit from the request head (method, target, headers) before the body is
    // read; nullopt falls back to body_limit. For a catch-all route whose limit depends on the path (the
    // gateway's). Called on an I/O thread; must not throw.
    std::function<std::optional<std::size_t>(const Request&)> body_limit_for = {};
};

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    RouteOptions options;
    std::vector<std::string> segments;  // the pattern split at '/', computed once
};

// Method + path routing with "{name}" segments and a trailing "{name...}" catch-all. A literal
// route wins over a parameter route that also matches; otherwise the first registered wins.
// Built before the server starts, then read-only: matching is thread-safe.
class Router {
public:
    struct Match {
        const Route* route = nullptr;              // null: no route for this method
        std::map<std::string, std::string> params;
        std::vector<std::string> allowed_methods;  // non-empty when the path exists with other methods (405)
    };

    void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
    void get(std::string pattern, SyncHandler handler) { add("GET", std::move(pattern), sync_handler(std::move(handler))); }

    Match match(std::string_view method, std::string_view path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    static bool match_segments(const std::vector<std::string>& want, const std::vector<std::string_view>& have,
                               std::map<std::string, std::string>& params);

    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    std::vector<Route> routes_;
    // Literal patterns → indices into routes_: most requests are found with one hash lookup.
    std::unordered_map<std::string, std::vector<std::size_t>, StringHash, std::equal_to<>> literal_;
};

}  // namespace vg::net
