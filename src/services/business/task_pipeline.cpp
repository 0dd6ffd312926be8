#include "services/business/task_pipeline.hpp"

#include <future>

#include "core/error.hpp"
#include "image/base64.hpp"
#include "image/dicom_decoder.hpp"
#include "image/image_config.hpp"
#include "image/image_encoder.hpp"
#include "image/image_format.hpp"
#include "image/pixel_hash.hpp"
#include "services/business/result_validation.hpp"
#include "services/business/task_catalog.hpp"

namespace vg::services::business {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The image as the model will get it, with what we learned preparing it.
struct PreparedImage {
    std::string bytes;
    std::string hash;
    json dicom;
};

PreparedImage prepare_image(const std::string& task, std::string bytes) {
    PreparedImage prepared;
    prepared.hash = image::hash_bytes(bytes);
    if (task == "medical_analysis" && image::looks_like_dicom(bytes)) {
        // The model takes ordinary image files: decode the DICOM frame here and hand it over as PNG.
        // Nothing but DicomInfo (which holds no identifiers) leaves this scope.
        auto dicom = image::decode_dicom(bytes, image::ImageConfig{});
        prepared.bytes = image::encode_png(dicom.image);
        prepared.dicom = {{"modality", dicom.info.modality},       {"body_part", dicom.info.body_part},
                          {"photometric", dicom.info.photometric}, {"rows", dicom.info.rows},
                          {"columns", dicom.info.columns},         {"frames", dicom.info.frames}};
        return prepared;
    }
    if (!image::sniff_image_format(bytes)) {
        throw ClientError("unsupported_image",
                          image::describe_unsupported(bytes) + (task == "medical_analysis"
                                                                    ? "; send JPEG, PNG, WebP or DICOM"
                                                                    : "; send JPEG, PNG, WebP, GIF, BMP or TIFF"),
                          415);
    }
    prepared.bytes = std::move(bytes);
    return prepared;
}

}  // namespace

TaskPipeline::TaskPipeline(const TaskCatalog& catalog, ModelClient& model, store::ResultStore& results,
                           prometheus::Family<prometheus::Counter>& stored)
    : catalog_(catalog), model_(model), results_(results), stored_(stored) {}

std::shared_ptr<cluster::UpstreamCallHandle> TaskPipeline::begin(
    TaskRun run, std::function<void(std::shared_ptr<Pending>, ModelOutcome)> on_done) {
    const auto& spec = catalog_.spec(run.task);
    PreparedImage image = prepare_image(run.task, std::move(run.bytes));
    auto pending = std::make_shared<Pending>();
    pending->record.task = run.task;
    pending->record.caller_reference = run.caller_reference;
    pending->record.metadata = run.metadata;
    pending->record.image_hash = image.hash;
    pending->record.prompt_version = spec.prompt_version;
    pending->dicom = std::move(image.dicom);
    pending->received = run.received;
    ModelQuery query;
    query.image_base64 = image::encode_base64(image.bytes);
    query.image_hash = image.hash;
    query.question = catalog_.prompt(run.task, run.question);
    query.json_schema = spec.schema;
    query.max_tokens = spec.max_tokens;
    query.request_id = run.request_id;
    query.traceparent = run.traceparent;
    return model_.infer(query, [pending, on_done = std::move(on_done)](ModelOutcome outcome) mutable {
        on_done(pending, std::move(outcome));
    });
}

TaskOutcome TaskPipeline::finish(Pending& pending, ModelOutcome outcome) {
    TaskOutcome result;
    auto& record = pending.record;
    if (auto* error = std::get_if<ModelError>(&outcome)) {
        record.status = "failed";
        record.error = error->code + ": " + error->message;
        result.model_error = *error;
    } else {
        auto& answer = std::get<ModelAnswer>(outcome);
        record.model = answer.model;
        record.raw_output = answer.text;
        try {
            record.result = catalog_.interpret(record.task, answer.text);
            if (!pending.dicom.is_null()) record.result["dicom"] = pending.dicom;
            record.status = "ok";
        } catch (const ModelOutputInvalid& e) {
            record.status = "model_output_invalid";
            record.error = e.what();
        }
    }
    record.latency = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - pending.received);
    results_.put(record);
    stored_.Add({{"task", record.task}, {"status", record.status}}).Increment();
    result.record = record;
    return result;
}

std::optional<TaskOutcome> TaskPipeline::run(TaskRun run, const std::function<bool()>& abandon) {
    auto promise = std::make_shared<std::promise<std::pair<std::shared_ptr<Pending>, ModelOutcome>>>();
    auto future = promise->get_future();
    auto handle = begin(std::move(run), [promise](std::shared_ptr<Pending> pending, ModelOutcome outcome) {
        promise->set_value({std::move(pending), std::move(outcome)});
    });
    while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
        if (abandon()) {
            if (handle) handle->cancel();
            return std::nullopt;
        }
    }
    auto [pending, outcome] = future.get();
    return finish(*pending, std::move(outcome));
}

}  // namespace vg::services::business
