#include "services/monitor/monitor_service.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/clock.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/observability_routes.hpp"
#include "services/monitor/alertmanager_forwarder.hpp"
#include "services/monitor/api_views.hpp"
#include "services/monitor/cluster_state.hpp"
#include "services/monitor/console_files.hpp"
#include "services/monitor/monitor_metrics.hpp"
#include "services/monitor/periodic_timer.hpp"

namespace vg::services::monitor {

namespace {

using json = nlohmann::json;

net::ClientConfig client_config(const MonitorConfig& config) {
    net::ClientConfig client;
    client.connect_timeout = config.scrape.timeout;
    client.max_connections_per_host = 8;
    client.max_response_body_bytes = std::size_t{16} * 1024 * 1024;
    client.user_agent = "visiongrid-monitor";
    return client;
}

net::Response redirect(int status, const std::string& location) {
    auto response = net::Response::text(status, "");
    response.headers.set("Location", location);
    return response;
}

std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

}  // namespace

class MonitorService::Impl {
public:
    Impl(const MonitorConfig& config, MonitorDeps deps)
        : config_(config),
          deps_(deps),
          work_(io_.get_executor()),
          clock_(steady_),
          store_(StoreLimits{static_cast<std::size_t>(config.scrape.retention / config.scrape.interval),
                             config.scrape.max_series}),
          state_(registry_, store_, clock_, config.scrape.rate_window, 3 * config.scrape.interval),
          evaluator_(config.alerts.rules, clock_),
          metrics_(deps.registry),
          log_(deps.logs.get("monitor")),
          client_(io_, client_config(config)) {}

    ~Impl() { stop(); }

    void start() {
        std::error_code ec;
        console_ = std::make_unique<ConsoleFiles>(
            find_console_dir(config_.console.dir, std::filesystem::read_symlink("/proc/self/exe", ec)));
        if (!console_->available()) {
            log_.warn("", "web console files not found; set monitor.console.dir",
                      json{{"dir", console_->root().string()}});
        }
        server_ = std::make_unique<net::HttpServer>(
            "monitor", config_.server, routes(),
            net::HttpServerDeps{deps_.registry, deps_.readiness, deps_.logs.get("http"), deps_.logs.get("access")});
        server_->start();
        start_alerting();
        targets_ = std::make_unique<TargetSet>(io_, config_.targets, deps_.logs.get("discovery"));
        scraper_ = std::make_unique<Scraper>(
            config_.scrape, ScraperDeps{io_, client_, clock_, registry_, store_, deps_.logs.get("scrape"),
                                        [this](const std::string& instance, const InstanceScrape& scrape) {
                                            scraped(instance, scrape);
                                        }});
        evaluation_ = std::make_unique<PeriodicTimer>(io_, config_.alerts.evaluation_interval, [this] { evaluate(); });
        // Group timers (group_wait, group_interval) need a finer beat than a slow evaluation interval.
        flushing_ = std::make_unique<PeriodicTimer>(
            io_, std::min<std::chrono::milliseconds>(config_.alerts.evaluation_interval, std::chrono::seconds(1)),
            [this] {
                if (notifier_) notifier_->flush();
            });
        boost::asio::post(io_, [this] {
            targets_->start(
                [this](const std::map<std::string, std::string>& members) { scraper_->set_members(members); });
        });
        scraper_->start();
        evaluation_->start();
        flushing_->start();
        io_thread_ = std::thread([this] { io_.run(); });
        log_.info("", "monitoring",
                  json{{"targets", config_.targets.size()},
                       {"rules", config_.alerts.rules.size()},
                       {"webhooks", config_.alerts.notify.webhooks.size()},
                       {"console", console_->root().string()}});
    }

    void stop() {
        if (stopped_.exchange(true)) return;
        if (server_) server_->stop();
        if (targets_) targets_->stop();
        if (scraper_) scraper_->stop();
        if (evaluation_) evaluation_->stop();
        if (flushing_) flushing_->stop();
        client_.shutdown();
        work_.reset();
        io_.stop();
        if (io_thread_.joinable()) io_thread_.join();
    }

    unsigned short port() const { return server_ ? server_->port() : 0; }

private:
    net::Router routes() {
        net::Router router;
        net::add_observability_routes(router, deps_.registry, deps_.readiness, "monitor");
        router.get("/api/cluster", [this](net::Request&) {
            return net::Response::json(
                200, cluster_json(state_.views(), evaluator_.count(AlertState::kFiring), clock_.unix_ms()));
        });
        router.get("/api/series", [this](net::Request& request) {
            const SeriesQuery query = parse_series_query(request, config_.scrape.retention);
            const std::string stored = query.is_figure ? figure_series_name(*figure_from_name(query.name)) : query.name;
            const auto series = store_.select(stored, query.instance, clock_.unix_ms() - query.range.count());
            return net::Response::json(200, series_json(query, series));
        });
        router.get("/api/alerts",
                   [this](net::Request&) { return net::Response::json(200, alerts_json(evaluator_.alerts())); });
        router.get("/console/config.json", [this](net::Request&) {
            auto response = net::Response::json(200, {{"api_base", config_.console.api_base}});
            response.headers.set("Cache-Control", "no-cache");
            return response;
        });
        // The pages link their scripts, styles and config.json relatively: they must be loaded from
        // /console/, so / sends the browser there (302: where the console lives may change).
        router.get("/", [](net::Request&) { return redirect(302, "/console/"); });
        router.get("/console", [](net::Request&) { return redirect(301, "/console/"); });
        router.get("/console/{path...}",
                   [this](net::Request& request) { return console_->serve(request.path_params.at("path"), request); });
        return router;
    }

    void start_alerting() {
        const auto& notify = config_.alerts.notify;
        const std::string external =
            notify.external_url.empty() ? "http://" + host_name() + ":" + std::to_string(port()) : notify.external_url;
        if (!notify.webhooks.empty()) {
            notifier_ = std::make_unique<Notifier>(notify, PayloadContext{"visiongrid-monitor", external},
                                                   post_function("webhook"), clock_);
        }
        if (!notify.alertmanager_url.empty()) {
            forwarder_ = std::make_unique<AlertmanagerForwarder>(notify.alertmanager_url, external,
                                                                 post_function("alertmanager"), clock_);
        }
    }

    // POSTs JSON with the shared client; the outcome is counted and failures logged (on the io thread).
    PostFunction post_function(const std::string& receiver) {
        return [this, receiver](const std::string& url, std::string body, std::function<void(bool)> done) {
            net::ClientRequest request;
            request.method = "POST";
            request.url = url;
            request.body = std::move(body);
            request.headers.set("Content-Type", "application/json");
            request.timeout = config_.alerts.notify.timeout;
            auto finished = [this, receiver, url, done](bool ok, const std::string& problem) {
                metrics_.notifications.Add({{"receiver", receiver}, {"outcome", ok ? "sent" : "failed"}}).Increment();
                if (!ok) log_.warn("", "notification failed; will retry", json{{"url", url}, {"error", problem}});
                done(ok);
            };
            try {
                client_.send(std::move(request), [finished](net::ClientResult result) {
                    const bool ok = result.ok() && result.response.status / 100 == 2;
                    finished(ok, result.ok() ? "HTTP " + std::to_string(result.response.status)
                                             : std::string(net::to_string(result.error)) + " " + result.error_message);
                });
            } catch (const std::exception& e) {
                boost::asio::post(io_, [finished, problem = std::string(e.what())] { finished(false, problem); });
            }
        };
    }

    void scraped(const std::string& instance, const InstanceScrape& scrape) {
        auto status = registry_.find(instance);
        metrics_.scrapes.Add({{"role", status ? status->role : ""}, {"outcome", scrape.result.up ? "up" : "down"}})
            .Increment();
        if (scrape.metrics) state_.record_figures(instance, scrape.result.started_ms);
        metrics_.series.Set(static_cast<double>(store_.series_count()));
    }

    void evaluate() {
        evaluator_.evaluate(state_);
        const auto alerts = evaluator_.alerts();
        for (AlertState s : {AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
            const auto n = std::count_if(alerts.begin(), alerts.end(), [s](const Alert& a) { return a.state == s; });
            metrics_.alerts.Add({{"state", std::string(state_name(s))}}).Set(static_cast<double>(n));
        }
        if (notifier_) {
            notifier_->update(alerts);
            notifier_->flush();
        }
        if (forwarder_) forwarder_->update(alerts);
    }

    const MonitorConfig& config_;
    MonitorDeps deps_;
    boost::asio::io_context io_;  // first: destroyed last, after everything that posts to it
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    cluster::SteadyClock steady_;
    MonitorClock clock_;
    InstanceRegistry registry_;
    SeriesStore store_;
    ClusterState state_;
    AlertEvaluator evaluator_;
    MonitorMetrics metrics_;
    Logger log_;
    net::HttpClient client_;
    std::unique_ptr<ConsoleFiles> console_;
    std::unique_ptr<Notifier> notifier_;
    std::unique_ptr<AlertmanagerForwarder> forwarder_;
    std::unique_ptr<TargetSet> targets_;
    std::unique_ptr<Scraper> scraper_;
    std::unique_ptr<PeriodicTimer> evaluation_;
    std::unique_ptr<PeriodicTimer> flushing_;
    std::unique_ptr<net::HttpServer> server_;
    std::thread io_thread_;
    std::atomic<bool> stopped_{false};
};

MonitorService::MonitorService(const MonitorConfig& config, MonitorDeps deps)
    : impl_(std::make_unique<Impl>(config, deps)) {}
MonitorService::~MonitorService() = default;
void MonitorService::start() {
    impl_->start();
}
void MonitorService::stop() {
    impl_->stop();
}
unsigned short MonitorService::port() const {
    return impl_->port();
}

}  // namespace vg::services::monitor
