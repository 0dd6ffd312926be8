#include "services/business/business_service.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/clock.hpp"
#include "cluster/upstream_metrics.hpp"
#include "core/error.hpp"
#include "core/worker_pool.hpp"
#include "image/dicom_decoder.hpp"
#include "image/image_config.hpp"
#include "image/image_encoder.hpp"
#include "image/image_format.hpp"
#include "image/pixel_hash.hpp"
#include "image/base64.hpp"
#include "net/http_server.hpp"
#include "net/observability_routes.hpp"
#include "services/business/result_validation.hpp"
#include "services/business/result_view.hpp"
#include "services/business/task_catalog.hpp"
#include "services/business/task_input.hpp"
#include "services/business/job_runner.hpp"
#include "services/business/redis_job_queue.hpp"
#include "services/business/webhook_sender.hpp"
#include "services/business/job_routes.hpp"
#include "services/business/task_pipeline.hpp"
#include "net/url_fetcher.hpp"
#include "store/job_store.hpp"

namespace vg::services::business {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct TaskRoute {
    const char* path;
    const char* task;
};
constexpr TaskRoute kTaskRoutes[] = {{"/api/product/analysis", "product_analysis"},
                                     {"/api/product/review", "product_review"},
                                     {"/api/homework/correction", "homework_correction"},
                                     {"/api/medical/analysis", "medical_analysis"}};

std::size_t parse_limit(const std::optional<std::string>& text) {
    if (!text) return 50;
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value < 1 || value > store::kMaxListLimit) {
        throw ClientError("invalid_parameter", "limit must be an integer from 1 to " + std::to_string(store::kMaxListLimit));
    }
    return value;
}

}  // namespace

class BusinessService::Impl {
public:
    Impl(const BusinessServiceConfig& config, BusinessDeps deps)
        : config_(config),
          deps_(deps),
          work_(io_.get_executor()),
          upstream_metrics_(deps.registry),
          catalog_(config.tasks),
          log_(deps.logs.get("business")),
          results_(prometheus::BuildCounter()
                       .Name("visiongrid_business_results_total")
                       .Help("Task results stored, by task and status (ok, model_output_invalid, failed)")
                       .Register(deps.registry)),
          job_items_(prometheus::BuildCounter()
                         .Name("visiongrid_business_job_items_total")
                         .Help("Batch job items this process finished (done, failed) or gave back for another attempt (retry)")
                         .Register(deps.registry)),
          workers_(std::make_unique<WorkerPool>(config.worker_threads, config.worker_queue)) {}

    ~Impl() { stop(); }

    void start() {
        store_ = store::open_result_store(config_.store);
        jobs_ = store::open_job_store(config_.store, config_.jobs.max_attempts);
        io_thread_ = std::thread([this] { io_.run(); });
        net::Router router;
        net::add_observability_routes(router, deps_.registry, deps_.readiness, "business");
        net::RouteOptions task_options{.body_limit = std::nullopt, .content_types = {"application/json", "multipart/form-data"}};
        for (const auto& route : kTaskRoutes) {
            std::string task = route.task;
            router.add("POST", route.path, [this, task](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
                run_task(task, request, std::move(exchange));
            }, task_options);
        }
        router.add("GET", "/api/results/{id}", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
            on_worker(request.request_id, exchange, [this, id = request.path_params.at("id"), request_id = request.request_id, exchange] {
                auto record = store_->get(id);
                if (!record) return exchange->respond(net::Response::error(404, "result_not_found", "no result with id " + id, request_id));
                exchange->respond(net::Response::json(200, result_view(*record)));
            });
        });
        router.add("GET", "/api/results", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
            store::ResultQuery query;
            try {
                query = list_query(request);
            } catch (const Error& e) {
                return exchange->respond(net::Response::error(e.http_status(), e.code(), e.what(), request.request_id));
            }
            on_worker(request.request_id, exchange, [this, query, request_id = request.request_id, exchange] {
                store::ResultPage page;
                try {
                    page = store_->list(query);
                } catch (const std::invalid_argument& e) {
                    return exchange->respond(net::Response::error(400, "invalid_cursor", e.what(), request_id));
                }
                json items = json::array();
                for (const auto& record : page.items) items.push_back(result_view(record));
                json body = {{"items", items}, {"next_cursor", page.next_cursor.empty() ? json() : json(page.next_cursor)}};
                exchange->respond(net::Response::json(200, body));
            });
        });
        add_job_routes(router);
        router.get("/api/tasks", [this](net::Request&) {
            json tasks = json::array();
            for (const auto& name : TaskCatalog::task_names()) {
                const auto& spec = catalog_.spec(name);
                tasks.push_back({{"task", name}, {"prompt_version", spec.prompt_version}, {"schema", spec.schema}});
            }
            return net::Response::json(200, {{"tasks", tasks}});
        });
        server_ = std::make_unique<net::HttpServer>(
            "business", config_.server, std::move(router),
            net::HttpServerDeps{deps_.registry, deps_.readiness, deps_.logs.get("http"), deps_.logs.get("access")});
        model_ = std::make_unique<ModelClient>(
            config_.model, ModelClientDeps{io_, clock_, deps_.logs.get("upstream"), upstream_metrics_, server_->io_contexts()});
        model_->start();
        pipeline_ = std::make_unique<TaskPipeline>(catalog_, *model_, *store_, results_);
        fetcher_ = std::make_unique<net::UrlFetcher>(io_, fetch_policy(config_.jobs.fetch));
        webhook_fetcher_ = std::make_unique<net::UrlFetcher>(io_, webhook_policy(config_.jobs.webhook));
        webhooks_ = std::make_unique<WebhookSender>(config_.jobs.webhook, config_.jobs.poll_interval, *jobs_,
                                                    *webhook_fetcher_, deps_.logs.get("webhooks"));
        webhooks_->start();
        if (config_.jobs.queue.backend == "redis") queue_ = std::make_unique<RedisJobQueue>(config_.jobs.queue.redis);
        runner_ = std::make_unique<JobRunner>(
            config_.jobs, config_.jobs.lease,
            JobRunnerDeps{*jobs_, *pipeline_, *fetcher_, queue_.get(),
                          [this](const char* outcome) {
                              job_items_.Add({{"outcome", outcome}}).Increment();
                              webhooks_->wake();
                          },
                          deps_.logs.get("jobs")});
        runner_->start();
        server_->start();
        log_.info("", "results store open", json{{"backend", store_->backend()}, {"url", store::redact_url(config_.store.url)}});
    }

    void stop() {
        if (stopped_.exchange(true)) return;
        if (runner_) runner_->stop();  // before the model client: its threads may be waiting on answers
        if (webhooks_) webhooks_->stop();
        if (server_) server_->stop();
        if (model_) model_->stop();
        if (server_) server_->run_pending();  // the model client's closed calls complete there
        workers_.reset();  // finishes the jobs already queued
        work_.reset();
        io_.stop();
        if (io_thread_.joinable()) io_thread_.join();
    }

    unsigned short port() const { return server_ ? server_->port() : 0; }

private:
    // Runs `job` on the worker pool, answering 503 when it is full; an exception becomes the JSON error.
    void on_worker(const std::string& request_id, const std::shared_ptr<net::Exchange>& exchange, std::function<void()> job) {
        auto guarded = [job = std::move(job), exchange, request_id, this] {
            try {
                job();
            } catch (const Error& e) {
                exchange->respond(net::Response::error(e.http_status(), e.code(), e.what(), request_id));
            } catch (const store::StoreError& e) {
                log_.error(request_id, "results store failed", json{{"error", e.what()}});
                exchange->respond(net::Response::error(503, "store_unavailable", "the results store is unavailable", request_id, 1));
            } catch (const std::exception& e) {
                log_.error(request_id, "request failed", json{{"error", e.what()}});
                exchange->respond(net::Response::error(500, "internal_error", "internal error", request_id));
            }
        };
        if (!workers_ || !workers_->post(std::move(guarded))) {
            exchange->respond(net::Response::error(503, "overloaded", "too many requests are waiting", request_id, 1));
        }
    }

    // Tells the runners about a new job's items: through the queue when there is one (a failure there
    // only delays them until a sweep), else by waking this process's pollers.
    void announce(const store::JobRecord& job) {
        if (!queue_) return runner_->wake();
        std::vector<int> indexes(job.total);
        for (std::size_t i = 0; i < job.total; ++i) indexes[i] = static_cast<int>(i);
        try {
            queue_->publish(job.id, indexes);
        } catch (const std::exception& e) {
            log_.error("", "publishing job items failed; the store sweep will find them", json{{"job", job.id}, {"error", e.what()}});
        }
    }

    void add_job_routes(net::Router& router) {
        net::RouteOptions options{.body_limit = std::nullopt, .content_types = {"application/json", "multipart/form-data"}};
        router.add("POST", "/api/jobs", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
            auto shared_request = std::make_shared<net::Request>(std::move(request));
            on_worker(shared_request->request_id, exchange, [this, shared_request, exchange] {
                JobSubmission submission = parse_job_submission(*shared_request, config_.jobs);
                store::JobRecord job;
                job.task = submission.task;
                job.caller_reference = submission.caller_reference;
                job.metadata = submission.metadata;
                job.webhook_url = submission.webhook_url;
                jobs_->create(job, submission.sources, submission.payloads);
                announce(job);
                auto response = net::Response::json(202, {{"id", job.id}, {"state", job.state}, {"total", job.total}});
                response.headers.set("Location", "/api/jobs/" + job.id);
                exchange->respond(std::move(response));
            });
        }, options);
        router.add("GET", "/api/jobs/{id}", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
            on_worker(request.request_id, exchange, [this, id = request.path_params.at("id"), request_id = request.request_id, exchange] {
                auto job = jobs_->get(id);
                if (!job) return exchange->respond(net::Response::error(404, "job_not_found", "no job with id " + id, request_id));
                exchange->respond(net::Response::json(200, job_view(*job, jobs_->items(id), std::chrono::system_clock::now())));
            });
        });
        router.add("DELETE", "/api/jobs/{id}", [this](net::Request& request, std::shared_ptr<net::Exchange> exchange) {
            on_worker(request.request_id, exchange, [this, id = request.path_params.at("id"), request_id = request.request_id, exchange] {
                if (!jobs_->get(id)) return exchange->respond(net::Response::error(404, "job_not_found", "no job with id " + id, request_id));
                jobs_->cancel(id);
                webhooks_->wake();
                auto job = jobs_->get(id);
                exchange->respond(net::Response::json(200, {{"id", id}, {"state", job ? job->state : "cancelled"}}));
            });
        });
    }

    store::ResultQuery list_query(const net::Request& request) const {
        store::ResultQuery query;
        if (auto task = request.query_param("task")) {
            try {
                catalog_.spec(*task);
            } catch (const std::invalid_argument&) {
                throw ClientError("unknown_task", "unknown task '" + *task + "'");
            }
            query.task = *task;
        }
        if (auto status = request.query_param("status")) {
            if (*status != "ok" && *status != "model_output_invalid" && *status != "failed") {
                throw ClientError("invalid_parameter", "status must be ok, model_output_invalid or failed");
            }
            query.status = *status;
        }
        if (auto since = request.query_param("since")) {
            query.since = parse_time(*since);
            if (!query.since) throw ClientError("invalid_parameter", "since must be RFC 3339 (2026-11-24T10:00:00Z) or Unix seconds");
        }
        query.limit = parse_limit(request.query_param("limit"));
        query.cursor = request.query_param("cursor").value_or("");
        return query;
    }

    void run_task(const std::string& task, net::Request& request, std::shared_ptr<net::Exchange> exchange) {
        // Decoding base64 and DICOM is CPU work: off the I/O thread.
        auto shared_request = std::make_shared<net::Request>(std::move(request));
        on_worker(shared_request->request_id, exchange, [this, task, shared_request, exchange] {
            TaskInput input = parse_task_input(*shared_request);
            TaskRun run{.task = task,
                        .bytes = std::move(input.image),
                        .caller_reference = std::move(input.caller_reference),
                        .metadata = std::move(input.metadata),
                        .question = std::move(input.question),
                        .request_id = shared_request->request_id,
                        .traceparent = shared_request->trace_context().child().header(),
                        .received = shared_request->received_at};
            const std::string request_id = shared_request->request_id;
            auto handle = pipeline_->begin(std::move(run), [this, exchange, request_id](
                                                               std::shared_ptr<TaskPipeline::Pending> pending, ModelOutcome outcome) mutable {
                on_worker(request_id, exchange, [this, exchange, request_id, pending, outcome = std::move(outcome)]() mutable {
                    answer(pipeline_->finish(*pending, std::move(outcome)), request_id, *exchange);
                });
            });
            exchange->on_cancel([handle] { handle->cancel(); });
        });
    }

    // Answers the caller with the stored record, or the error that names it.
    static void answer(const TaskOutcome& outcome, const std::string& request_id, net::Exchange& exchange) {
        const auto& record = outcome.record;
        std::optional<net::Response> failure;
        if (outcome.model_error) {
            const auto& error = *outcome.model_error;
            failure = net::Response::error(error.status, error.code, error.message, request_id, error.status == 503 ? 1 : 0);
        } else if (record.status == "model_output_invalid") {
            failure = net::Response::error(422, "model_output_invalid", record.error, request_id);
        }
        if (!failure) return exchange.respond(net::Response::json(200, result_view(record)));
        // The error body names the stored record, so the raw output can be looked at later.
        json body = json::parse(failure->body);
        body["id"] = record.id;
        if (record.status == "model_output_invalid") body["raw_output"] = record.raw_output;
        failure->body = body.dump();
        exchange.respond(std::move(*failure));
    }

    const BusinessServiceConfig& config_;
    BusinessDeps deps_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread io_thread_;
    cluster::SteadyClock clock_;
    cluster::UpstreamMetrics upstream_metrics_;
    TaskCatalog catalog_;
    Logger log_;
    prometheus::Family<prometheus::Counter>& results_;
    prometheus::Family<prometheus::Counter>& job_items_;
    std::unique_ptr<store::ResultStore> store_;
    std::unique_ptr<store::JobStore> jobs_;
    std::unique_ptr<net::HttpServer> server_;
    std::unique_ptr<ModelClient> model_;
    std::unique_ptr<TaskPipeline> pipeline_;
    std::unique_ptr<net::UrlFetcher> fetcher_;
    std::unique_ptr<net::UrlFetcher> webhook_fetcher_;
    std::unique_ptr<WebhookSender> webhooks_;
    std::unique_ptr<JobQueue> queue_;
    std::unique_ptr<JobRunner> runner_;
    std::unique_ptr<WorkerPool> workers_;  // declared last, destroyed first: its jobs use everything above
    std::atomic<bool> stopped_{false};
};

BusinessService::BusinessService(const BusinessServiceConfig& config, BusinessDeps deps)
    : impl_(std::make_unique<Impl>(config, deps)) {}
BusinessService::~BusinessService() = default;
void BusinessService::start() { impl_->start(); }
void BusinessService::stop() { impl_->stop(); }
unsigned short BusinessService::port() const { return impl_->port(); }

}  // namespace vg::services::business
