#include "services/monitor/scraper.hpp"

#include <nlohmann/json.hpp>

#include "services/monitor/instance_registry.hpp"
#include "services/monitor/monitor_clock.hpp"
#include "services/monitor/series_store.hpp"

namespace vg::services::monitor {

Scraper::Scraper(ScrapeConfig config, ScraperDeps deps)
    : config_(config), deps_(std::move(deps)), timer_(deps_.io, config_.interval, [this] { round(); }) {}

Scraper::~Scraper() {
    *alive_ = false;
    timer_.stop();
}

void Scraper::set_members(const std::map<std::string, std::string>& role_by_instance) {
    for (const auto& departed : deps_.registry.set_members(role_by_instance)) {
        deps_.store.drop_instance(departed);
        deps_.log.info("", "instance left the targets", nlohmann::json{{"instance", departed}});
    }
}

void Scraper::start() {
    timer_.start();
}
void Scraper::stop() {
    timer_.stop();
}

void Scraper::round() {
    ++rounds_;
    const std::int64_t now_ms = deps_.clock.unix_ms();
    deps_.store.expire(now_ms - config_.retention.count());
    for (const auto& status : deps_.registry.snapshot()) {
        const std::string instance = status.instance;
        if (!in_flight_.insert(instance).second) {
            ++skipped_;
            continue;
        }
        scrape_instance(
            deps_.client, instance, config_.timeout, now_ms, [this, alive = alive_, instance](InstanceScrape scrape) {
                if (!*alive) return;
                in_flight_.erase(instance);
                if (!deps_.registry.find(instance)) return;  // left the targets meanwhile
                deps_.registry.record(instance, scrape.result);
                if (scrape.metrics) {
                    if (auto dropped =
                            deps_.store.append_scrape(instance, scrape.metrics->samples, scrape.result.started_ms)) {
                        deps_.log.warn("", "series limit reached; samples dropped",
                                       nlohmann::json{{"instance", instance}, {"dropped", dropped}});
                    }
                }
                if (deps_.on_scraped) deps_.on_scraped(instance, scrape);
            });
    }
}

}  // namespace vg::services::monitor
