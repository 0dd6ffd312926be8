#include "cluster/upstream_pool.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cluster/discovery.hpp"
#include "cluster/health_checker.hpp"
#include "cluster/load_balancer.hpp"
#include "cluster/outlier_detector.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace vg::cluster {

UpstreamMember::UpstreamMember(const Endpoint& endpoint, const CircuitBreakerConfig& breaker_config, const Clock& clock,
                               InstanceSeries series_in)
    : instance(std::make_shared<Instance>()), breaker(breaker_config, clock), series(series_in) {
    instance->id = endpoint.id();
    instance->host = endpoint.host;
    instance->port = endpoint.port;
    instance->weight = endpoint.weight;
    instance->healthy_since = clock.now();
    series.healthy.Set(1);
}

UpstreamPool::UpstreamPool(UpstreamConfig config, UpstreamDeps deps)
    : config_(std::move(config)),
      deps_(deps),

      balancer_(make_load_balancer(config_.load_balancing, config_.slow_start,
                                   [&clock = deps.clock] { return clock.now(); })),
      outlier_(std::make_unique<OutlierDetector>(config_.outlier, deps.clock)),
      budget_(config_.retry, deps.clock),
      members_(std::make_shared<Members>()) {
    // The connection cap is the pool's, so it is shared out among the lanes.
    net::ClientConfig lane_config = config_.client;
    const std::size_t lanes = 1 + deps.request_contexts.size();
    lane_config.max_connections_per_host = std::max<std::size_t>(1, (config_.client.max_connections_per_host + lanes - 1) / lanes);
    lanes_.push_back({&deps.io, std::make_unique<net::HttpClient>(deps.io, lane_config)});
    for (auto* io : deps.request_contexts) lanes_.push_back({io, std::make_unique<net::HttpClient>(*io, lane_config)});
    if (config_.health_check_enabled) {
        net::ClientConfig probe_config = config_.client;
        probe_config.max_connections_per_host = 1;
        health_client_ = std::make_unique<net::HttpClient>(deps.io, probe_config);
        health_ = std::make_unique<HealthChecker>(
            deps.io, *health_client_, config_.health_check,
            [this](const std::string& id, bool healthy) { on_health_change(id, healthy); });
    }
    if (config_.dns) {
        discovery_ = std::make_unique<DnsDiscovery>(deps.io, *config_.dns, system_resolver(), [this](const std::string& error) {
            deps_.log.warn("", "DNS discovery failed; keeping the last instances",
                           nlohmann::json{{"upstream", config_.name}, {"error", error}});
        });
    } else {
        discovery_ = std::make_unique<StaticDiscovery>(config_.instances);
    }
}

UpstreamPool::~UpstreamPool() { stop(); }

void UpstreamPool::start() {
    if (health_) health_->start();
    discovery_->start([this](std::vector<Endpoint> endpoints) { set_endpoints(endpoints); });
}

void UpstreamPool::retire() {
    if (discovery_) discovery_->stop();
    if (health_) health_->stop();
}

void UpstreamPool::stop() {
    retire();
    for (auto& lane : lanes_) lane.client->shutdown();
    if (health_client_) health_client_->shutdown();
}

UpstreamLane& UpstreamPool::lane_for_current_thread() {
    if (auto* io = net::current_io_context()) {
        for (auto& lane : lanes_) {
            if (lane.io == io) return lane;
        }
    }
    return lanes_.front();
}

std::shared_ptr<const UpstreamPool::Members> UpstreamPool::members() const {
    std::lock_guard lock(mutex_);
    return members_;
}

std::shared_ptr<UpstreamMember> UpstreamPool::find(const std::string& id) const {
    for (const auto& member : *members()) {
        if (member->instance->id == id) return member;
    }
    return nullptr;
}

void UpstreamPool::set_endpoints(const std::vector<Endpoint>& endpoints) {
    auto next = std::make_shared<Members>();
    std::vector<Endpoint> added;
    {
        std::lock_guard lock(mutex_);
        for (const auto& endpoint : endpoints) {
            auto kept = std::find_if(members_->begin(), members_->end(),
                                     [&](const auto& m) { return m->instance->id == endpoint.id() && m->instance->weight == endpoint.weight; });
            if (kept != members_->end()) {
                next->push_back(*kept);
                continue;
            }
            auto member = std::make_shared<UpstreamMember>(endpoint, config_.circuit_breaker, deps_.clock,
                                                           deps_.metrics.instance(config_.name, endpoint.id()));
            std::weak_ptr<UpstreamMember> weak = member;
            member->breaker.on_state_change([this, weak](BreakerState from, BreakerState to) {
                auto self = weak.lock();
                if (!self) return;
                self->series.breaker_state.Set(UpstreamMetrics::breaker_value(to));
                if (to == BreakerState::kOpen) self->series.breaker_opened.Increment();
                deps_.log.warn("", "circuit breaker state change",
                               nlohmann::json{{"upstream", config_.name}, {"instance", self->instance->id},
                                              {"from", to_string(from)}, {"to", to_string(to)}});
            });
            next->push_back(std::move(member));
            added.push_back(endpoint);
        }
        for (const auto& old : *members_) {
            if (std::none_of(next->begin(), next->end(), [&](const auto& m) { return m == old; })) outlier_->forget(old->instance->id);
        }
        members_ = next;
    }
    if (health_) health_->set_targets(endpoints);
    std::vector<std::string> ids;
    for (const auto& member : *next) ids.push_back(member->instance->id);
    deps_.log.info("", "upstream instances", nlohmann::json{{"upstream", config_.name}, {"instances", ids}});
}

void UpstreamPool::on_health_change(const std::string& id, bool healthy) {
    auto member = find(id);
    if (!member) return;
    member->instance->healthy = healthy;
    if (healthy) member->instance->healthy_since = deps_.clock.now();
    member->series.healthy.Set(healthy ? 1 : 0);
    deps_.log.warn("", healthy ? "instance healthy" : "instance unhealthy",
                   nlohmann::json{{"upstream", config_.name}, {"instance", id}});
}

std::shared_ptr<UpstreamMember> UpstreamPool::acquire(std::string_view key, const std::vector<std::string>& exclude,
                                                      bool revisit) {
    auto all = members();
    InstanceSet candidates;
    candidates.reserve(all->size());
    for (const auto& member : *all) {
        if (member->instance->healthy.load(std::memory_order_relaxed) && !outlier_->is_ejected(member->instance->id)) {
            candidates.push_back(member->instance);
        }
    }
    // Breakers are asked only for the chosen instance (asking takes a half-open permit); a refusal
    // excludes it and the balancer chooses again.
    std::vector<std::string> skip = exclude;
    for (std::size_t tries = 0; tries <= candidates.size(); ++tries) {
        auto chosen = balancer_->pick(candidates, key, skip);
        if (!chosen && skip.size() > exclude.size()) break;  // every untried one refused
        if (!chosen && !exclude.empty() && revisit) {
            // Every instance was tried already: a retry may go back to one of them.
            chosen = balancer_->pick(candidates, key, {});
            if (!chosen) break;
        }
        if (!chosen) break;
        for (const auto& member : *all) {
            if (member->instance != chosen) continue;
            if (member->breaker.try_acquire()) {
                member->instance->outstanding.fetch_add(1, std::memory_order_relaxed);
                member->series.outstanding.Increment();
                return member;
            }
            break;
        }
        skip.push_back(chosen->id);
    }
    deps_.metrics.no_instance(config_.name).Increment();
    return nullptr;
}

bool UpstreamPool::has_untried(const std::vector<std::string>& tried) const {
    auto all = members();
    return std::any_of(all->begin(), all->end(), [&](const auto& member) {
        return std::find(tried.begin(), tried.end(), member->instance->id) == tried.end();
    });
}

void UpstreamPool::report(UpstreamMember& member, Outcome outcome, std::chrono::nanoseconds duration) {
    member.instance->outstanding.fetch_sub(1, std::memory_order_relaxed);
    member.series.outstanding.Decrement();
    switch (outcome) {
        case Outcome::kCancelled:
            member.breaker.release();
            return;
        case Outcome::kDeclined:
            // Alive and answering fast, only full: counting it would open the breaker of every instance
            // under overload and turn shedding half the load into refusing all of it.
            member.breaker.release();
            member.series.attempts_failed.Increment();
            return;
        case Outcome::kSuccess:
            member.breaker.on_success(duration);
            outlier_->on_success(member.instance->id);
            member.series.attempts_ok.Increment();
            return;
        case Outcome::kFailure:
            member.breaker.on_error(duration);
            member.series.attempts_failed.Increment();
            // A member discovery already dropped must not come back as an ejection entry.
            if (!find(member.instance->id)) return;
            if (outlier_->on_failure(member.instance->id, members()->size())) {
                member.series.ejections.Increment();
                deps_.log.warn("", "instance ejected after consecutive failures",
                               nlohmann::json{{"upstream", config_.name}, {"instance", member.instance->id}});
            }
            return;
    }
}

std::vector<UpstreamPool::MemberStatus> UpstreamPool::status() const {
    std::vector<MemberStatus> out;
    for (const auto& member : *members()) {
        out.push_back(MemberStatus{member->instance->id, member->instance->weight, member->instance->healthy.load(),
                                   outlier_->is_ejected(member->instance->id), member->breaker.state(),
                                   member->instance->outstanding.load()});
    }
    return out;
}

}  // namespace vg::cluster
