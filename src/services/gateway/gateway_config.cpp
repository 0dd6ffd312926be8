#include "services/gateway/gateway_config.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace vg::services::gateway {

namespace {

// Where each role listens by default: a gateway started with no upstreams section fronts the
// roles of one machine.
constexpr const char* kDefaultUpstreams = R"(
model: {instances: ["127.0.0.1:8081"]}
business: {instances: ["127.0.0.1:8082"]}
monitor: {instances: ["127.0.0.1:8083"]}
)";

// Inference has no side effects, so model routes may be retried even after the request was sent.
// The console is static files, public so a browser can load it before anyone types a key; every API
// it calls needs one.
constexpr const char* kDefaultRoutes = R"(
- {name: model, prefix: /api/model/, upstream: model, timeout: 120s, body_limit: 64MiB, scopes: [model], idempotent: true, affinity: body}
- {name: openai, prefix: /v1/, upstream: model, timeout: 300s, body_limit: 64MiB, scopes: [model], idempotent: true, affinity: body}
- {name: product, prefix: /api/product/, upstream: business, timeout: 120s, body_limit: 64MiB, scopes: [business]}
- {name: homework, prefix: /api/homework/, upstream: business, timeout: 120s, body_limit: 64MiB, scopes: [business]}
- {name: medical, prefix: /api/medical/, upstream: business, timeout: 120s, body_limit: 64MiB, scopes: [business]}
- {name: results, prefix: /api/results, upstream: business, scopes: [business]}
- {name: jobs, prefix: /api/jobs, upstream: business, body_limit: 256MiB, scopes: [business]}
- {name: tasks, prefix: /api/tasks, upstream: business, scopes: [business]}
- {name: monitor, prefix: /api/cluster, upstream: monitor, scopes: [monitor]}
- {name: series, prefix: /api/series, upstream: monitor, scopes: [monitor]}
- {name: alerts, prefix: /api/alerts, upstream: monitor, scopes: [monitor]}
- {name: console, prefix: /console/, upstream: monitor, auth: none, methods: [GET, HEAD]}
)";

std::optional<cluster::RateLimit> parse_rate_limit(ConfigNode& parent, std::string_view key) {
    if (!parent.has(key)) {
        parent.child(key);  // known, shown empty
        return std::nullopt;
    }
    auto node = parent.child(key);
    cluster::RateLimit limit;
    node.read("rate_per_second", limit.rate_per_second);
    node.read("burst", limit.burst);
    node.finish();
    if (!(limit.rate_per_second >= 0)) node.fail("rate_per_second", "must be 0 or more");
    if (!(limit.burst >= 1)) node.fail("burst", "must be at least 1");
    try {
        cluster::validate_rate_limit(limit);  // infinities, which the limiters would refuse on every request
    } catch (const std::invalid_argument& e) {
        throw ConfigError(node.path() + ": " + e.what());
    }
    return limit;
}

AffinityConfig parse_affinity(ConfigNode& node) {
    std::string text = "none";
    node.read("affinity", text);
    AffinityConfig affinity;
    if (text == "none") return affinity;
    if (text == "body") affinity.source = AffinityConfig::Source::kBody;
    else if (text == "client_ip") affinity.source = AffinityConfig::Source::kClientIp;
    else if (text.starts_with("header:") && text.size() > 7) {
        affinity.source = AffinityConfig::Source::kHeader;
        affinity.header = text.substr(7);
    } else {
        node.fail("affinity", "'" + text + "' is not one of: none, body, client_ip, header:<name>");
    }
    return affinity;
}

RouteConfig parse_route(ConfigNode node, const std::map<std::string, cluster::UpstreamConfig>& upstreams) {
    RouteConfig route;
    node.read("name", route.name);
    node.read("prefix", route.prefix);
    node.read("upstream", route.upstream);
    if (node.raw("rewrite")) {  // raw(), not has(): a null value is a known key left unset
        std::string text;
        node.read("rewrite", text);
        route.rewrite = text;
    }
    node.read("methods", route.methods);
    node.read("timeout", route.timeout);
    if (node.raw("body_limit")) {
        ByteSize limit;
        node.read("body_limit", limit);
        route.body_limit = limit;
    }
    std::string auth = "required";
    node.read_enum("auth", auth, {"required", "none"});
    route.auth_required = auth == "required";
    node.read("scopes", route.scopes);
    node.read("idempotent", route.retry.idempotent);
    route.affinity = parse_affinity(node);
    if (route.prefix.empty() || route.prefix[0] != '/') node.fail("prefix", "must start with '/'");
    if (route.prefix.find("..") != std::string::npos) node.fail("prefix", "must not contain '..'");
    if (route.name.empty()) route.name = route.prefix;
    auto upstream = upstreams.find(route.upstream);
    if (upstream == upstreams.end()) {
        std::string names;
        for (const auto& [name, _] : upstreams) names += (names.empty() ? "" : ", ") + name;
        node.fail("upstream", "'" + route.upstream + "' is not a configured upstream (have: " + names + ")");
    }
    if (route.timeout.count() <= 0) node.fail("timeout", "must be positive");
    const bool idempotent = route.retry.idempotent;
    route.retry = upstream->second.retry;
    route.retry.idempotent = idempotent || upstream->second.retry.idempotent;
    route.retry = cluster::parse_retry_config(node.child("retry"), route.retry);
    node.finish();
    return route;
}

std::string read_file(ConfigNode& node, std::string_view key, const std::string& path) {
    std::ifstream in(path);
    if (!in) node.fail(key, "cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

JwtConfig parse_jwt(ConfigNode node) {
    JwtConfig config;
    node.read("issuer", config.issuer);
    node.read("audiences", config.audiences);
    std::chrono::milliseconds leeway{std::chrono::duration_cast<std::chrono::milliseconds>(config.leeway)};
    node.read("leeway", leeway);
    config.leeway = std::chrono::duration_cast<std::chrono::seconds>(leeway);
    node.read("require_exp", config.require_exp);
    auto keys = node.items("keys");
    if (keys.empty()) node.fail("keys", "give at least one key (HS256 secret or RS256 public key)");
    for (auto& item : keys) {
        JwtKey key;
        item.read("kid", key.kid);
        std::string algorithm = "HS256";
        item.read_enum("algorithm", algorithm, {"HS256", "RS256"});
        key.algorithm = algorithm == "HS256" ? JwtAlgorithm::kHS256 : JwtAlgorithm::kRS256;
        item.read("secret", key.secret);
        std::string pem_file;
        item.read("public_key_file", pem_file);
        item.read("public_key", key.public_key_pem);
        if (!pem_file.empty()) key.public_key_pem = read_file(item, "public_key_file", pem_file);
        item.finish();
        config.keys.push_back(std::move(key));
    }
    node.finish();
    try {
        JwtVerifier check(config);
    } catch (const std::invalid_argument& e) {
        throw ConfigError(node.path() + ": " + e.what());
    }
    return config;
}

AuthConfig parse_auth(ConfigNode node) {
    AuthConfig config;
    for (auto& item : node.items("api_keys")) {
        ApiKeyConfig key;
        item.read("name", key.entry.name);
        item.read("hash", key.entry.hash);
        item.read("scopes", key.entry.scopes);
        key.rate_limit = parse_rate_limit(item, "rate_limit");
        item.finish();
        if (key.entry.name.empty()) item.fail("name", "is required");
        try {
            ApiKeyStore check({key.entry});
        } catch (const std::invalid_argument& e) {
            item.fail("hash", e.what());
        }
        config.api_keys.push_back(std::move(key));
    }
    if (node.raw("jwt")) config.jwt = parse_jwt(node.child("jwt"));
    config.jwt_rate_limit = parse_rate_limit(node, "jwt_rate_limit");
    node.finish();
    std::set<std::string> names;
    for (const auto& key : config.api_keys) {
        if (!names.insert(key.entry.name).second) throw ConfigError(node.path() + ".api_keys: duplicate name '" + key.entry.name + "'");
    }
    return config;
}

RateLimitsConfig parse_rate_limits(ConfigNode node) {
    RateLimitsConfig config;
    node.read_enum("backend", config.backend, {"local", "redis"});
    node.read("fail_open", config.fail_open);
    config.redis = cluster::read_redis_config(node.child("redis"), config.redis, config.backend == "redis");
    config.per_ip = parse_rate_limit(node, "per_ip");
    config.per_key = parse_rate_limit(node, "per_key");
    node.read("trusted_proxies", config.trusted_proxies);
    node.finish();
    return config;
}

CorsConfig parse_cors(ConfigNode node) {
    CorsConfig config;
    node.read("allowed_origins", config.allowed_origins);
    node.read("allowed_methods", config.allowed_methods);
    node.read("allowed_headers", config.allowed_headers);
    node.read("exposed_headers", config.exposed_headers);
    node.read("max_age", config.max_age);
    node.finish();
    return config;
}

}  // namespace

GatewayConfig parse_gateway_config(ConfigNode node) {
    GatewayConfig config;
    net::ServerConfig defaults;
    defaults.port = 8080;
    defaults.max_body_bytes = ByteSize{256u * 1024 * 1024};  // routes set their own, lower limits
    config.server = net::parse_server_config(node.child("server"), defaults);
    node.read("client_threads", config.client_threads);
    if (config.client_threads == 0) node.fail("client_threads", "must be at least 1");

    // raw() also for a null value, so that `upstreams:` left empty means the defaults, not an unknown key.
    YAML::Node given_upstreams = node.raw("upstreams");
    YAML::Node upstreams_source = given_upstreams ? given_upstreams : YAML::Load(kDefaultUpstreams);
    if (!upstreams_source.IsMap()) node.fail("upstreams", "must map upstream names to their settings");
    ConfigNode upstreams(upstreams_source, YAML::Node(YAML::NodeType::Map), node.key_path("upstreams"));
    for (const auto& name : upstreams.keys()) {
        config.upstreams.emplace(name, cluster::parse_upstream_config(name, upstreams.child(name)));
        config.upstream_fingerprints.emplace(name, YAML::Dump(upstreams_source[name]));
    }

    YAML::Node given_routes = node.raw("routes");
    YAML::Node routes_source = given_routes ? given_routes : YAML::Load(kDefaultRoutes);
    YAML::Node holder(YAML::NodeType::Map);
    holder["routes"] = routes_source;
    ConfigNode route_list(holder, YAML::Node(YAML::NodeType::Map), node.path());
    std::set<std::string> prefixes;
    for (auto& item : route_list.items("routes")) {
        auto route = parse_route(item, config.upstreams);
        if (!prefixes.insert(route.prefix).second) throw ConfigError(item.path() + ".prefix: duplicate prefix '" + route.prefix + "'");
        config.routes.push_back(std::move(route));
    }
    config.auth = parse_auth(node.child("auth"));
    config.rate_limits = parse_rate_limits(node.child("rate_limits"));
    config.cors = parse_cors(node.child("cors"));
    node.finish();
    return config;
}

}  // namespace vg::services::gateway
