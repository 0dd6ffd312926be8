#include "engine/llama/engine_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "obs/metrics.hpp"

namespace vg::engine {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help, prometheus::Labels labels = {}) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}
prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}
prometheus::Histogram& histogram(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(r).Add({}, obs::latency_buckets());
}

}  // namespace

EngineMetrics::EngineMetrics(prometheus::Registry& r)
    : completed(prometheus::BuildCounter()
                    .Name("visiongrid_model_requests_total")
                    .Help("Inference requests by outcome")
                    .Register(r)
                    .Add({{"outcome", "completed"}})),
      cancelled(prometheus::BuildCounter().Name("visiongrid_model_requests_total").Help("").Register(r).Add({{"outcome", "cancelled"}})),
      failed(prometheus::BuildCounter().Name("visiongrid_model_requests_total").Help("").Register(r).Add({{"outcome", "failed"}})),
      deadline_exceeded(
          prometheus::BuildCounter().Name("visiongrid_model_requests_total").Help("").Register(r).Add({{"outcome", "deadline_exceeded"}})),
      rejected_queue_full(
          prometheus::BuildCounter().Name("visiongrid_model_requests_total").Help("").Register(r).Add({{"outcome", "queue_full"}})),
      rejected_context(
          prometheus::BuildCounter().Name("visiongrid_model_requests_total").Help("").Register(r).Add({{"outcome", "context_exceeded"}})),
      queue_depth(gauge(r, "visiongrid_model_queue_depth", "Requests waiting for a slot")),
      active_slots(gauge(r, "visiongrid_model_active_slots", "Slots holding a request")),
      kv_used_tokens(gauge(r, "visiongrid_model_kv_used_tokens", "KV-cache cells in use across slots")),
      kv_capacity_tokens(gauge(r, "visiongrid_model_kv_capacity_tokens", "KV-cache cells across slots")),
      queue_seconds(histogram(r, "visiongrid_model_queue_seconds", "Time from submission to a slot")),
      image_encode_seconds(histogram(r, "visiongrid_model_image_encode_seconds", "Vision-encoder time per image (cache misses)")),
      prefill_tokens(counter(r, "visiongrid_model_prefill_tokens_total", "Prompt tokens decoded (text and image)")),
      decode_tokens(counter(r, "visiongrid_model_decode_tokens_total", "Tokens generated")),
      prefill_seconds(counter(r, "visiongrid_model_prefill_seconds_total", "Time spent in prompt decoding")),
      decode_seconds(counter(r, "visiongrid_model_decode_seconds_total", "Time spent in generation steps")),
      decode_tokens_per_second(gauge(r, "visiongrid_model_decode_tokens_per_second", "Generated tokens per second, recent")),
      image_encodes(counter(r, "visiongrid_model_image_encodes_total", "Images run through the vision encoder")),
      image_cache_hits(counter(r, "visiongrid_model_image_cache_hits_total", "Images whose embedding came from the cache")),
      image_cache_misses(counter(r, "visiongrid_model_image_cache_misses_total", "Images not in the embedding cache")),
      image_cache_bytes(gauge(r, "visiongrid_model_image_cache_bytes", "Bytes held by the image-embedding cache")),
      image_cache_entries(gauge(r, "visiongrid_model_image_cache_entries", "Images held by the image-embedding cache")),
      prefix_reused_tokens(counter(r, "visiongrid_model_prefix_reused_tokens_total", "Prompt tokens whose KV was kept from an earlier request")) {}

}  // namespace vg::engine
