#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>

#include "services/business/model_client.hpp"
#include "store/result_store.hpp"


namespace vg::services::business {

class TaskCatalog;

// One image for one task, from an HTTP request or a batch job item.
struct TaskRun {
    std::string task;
    std::string bytes;  // the file as sent (DICOM allowed for medical analysis)
    std::string caller_reference;
    nlohmann::json metadata;
    std::string question;
    std::string request_id;
    std::string traceparent;
    std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
};

// What a finished run left: the stored record and, when the model could not answer, its error.
struct TaskOutcome {
    store::ResultRecord record;
    std::optional<ModelError> model_error;
};

// The shared task path of the HTTP endpoints and the job runner: image checks (DICOM decoded),
// prompt and schema to the model, the answer interpreted and the record stored whatever happened.
// Thread-safe (its dependencies are).
class TaskPipeline {
public:
    TaskPipeline(const TaskCatalog& catalog, ModelClient& model, store::ResultStore& results,
                 prometheus::Family<prometheus::Counter>& stored);

    // Checks the image (throws ClientError) and asks the model; `on_done` gets the answer on a model
    // client thread and must hand it to finish() (it may move to another thread first).
    struct Pending;
    std::shared_ptr<cluster::UpstreamCallHandle> begin(TaskRun run,
                                                       std::function<void(std::shared_ptr<Pending>, ModelOutcome)> on_done);
    // Interprets the answer and stores the record.
    TaskOutcome finish(Pending& pending, ModelOutcome outcome);

    // begin() and finish() in one blocking call, for threads that may wait (the job runner). Gives up
    // (nullopt, nothing stored) when `abandon` turns true while waiting.
    std::optional<TaskOutcome> run(TaskRun run, const std::function<bool()>& abandon);

private:
    const TaskCatalog& catalog_;
    ModelClient& model_;
    store::ResultStore& results_;
    prometheus::Family<prometheus::Counter>& stored_;
};

struct TaskPipeline::Pending {
    store::ResultRecord record;
    nlohmann::json dicom;  // the non-identifying DICOM fields for medical analysis; null otherwise
    std::chrono::steady_clock::time_point received;
};

}  // namespace vg::services::business
