#include "store/store_config.hpp"

#include <algorithm>
#include <stdexcept>

namespace vg::store {

namespace {

constexpr std::size_t kMaxPoolSize = 256;

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

StoreUrl parse_store_url(std::string_view url) {
    constexpr std::string_view kSqlite = "sqlite://";
    if (starts_with(url, kSqlite)) {
        std::string path(url.substr(kSqlite.size()));
        if (path.empty())
            throw std::invalid_argument("sqlite:// needs a path (sqlite://visiongrid.db, sqlite://:memory:)");
        return {StoreBackend::kSqlite, path};
    }
    for (std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (starts_with(url, scheme)) {
            if (url.size() == scheme.size()) {
                throw std::invalid_argument("postgresql:// needs a host (postgresql://user:pass@host:port/db)");
            }
            return {StoreBackend::kPostgres, std::string(url)};
        }
    }
    throw std::invalid_argument("unsupported store URL '" + redact_url(url) +
                                "' (allowed schemes: sqlite://, postgresql://, postgres://)");
}

std::string redact_url(std::string_view url) {
    std::string out(url);
    const auto scheme_end = out.find("://");
    if (scheme_end == std::string::npos) return out;
    // user:password@ in the authority (the password may itself hold '@': the last one ends it)
    const auto authority_start = scheme_end + 3;
    const auto authority_end = std::min(out.find_first_of("/?", authority_start), out.size());
    const auto at = out.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
    if (at != std::string::npos && at >= authority_start) {
        const auto colon = out.find(':', authority_start);
        if (colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    // password=... among the URI parameters
    const auto query = out.find('?');
    for (auto key = out.find("password=", query); query != std::string::npos && key != std::string::npos;
         key = out.find("password=", key + 1)) {
        if (out[key - 1] != '?' && out[key - 1] != '&') continue;
        const auto value = key + 9;
        const auto value_end = std::min(out.find('&', value), out.size());
        out.replace(value, value_end - value, "***");
    }
    return out;
}

StoreConfig parse_store_config(ConfigNode node) {
    StoreConfig config;
    node.read("url", config.url);
    node.read("pool_size", config.pool_size);
    node.read("busy_timeout", config.busy_timeout);
    node.finish();
    try {
        parse_store_url(config.url);
    } catch (const std::invalid_argument& e) {
        node.fail("url", e.what());
    }
    if (config.pool_size < 1 || config.pool_size > kMaxPoolSize) {
        node.fail("pool_size", "must be 1.." + std::to_string(kMaxPoolSize));
    }
    if (config.busy_timeout.count() < 0) node.fail("busy_timeout", "must not be negative");
    return config;
}

}  // namespace vg::store
