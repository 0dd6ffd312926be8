#pragma once

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace vg::engine {

// The model engine's figures: outcomes, queue, slots, timings, token throughput, cache, KV use.
struct EngineMetrics {
    explicit EngineMetrics(prometheus::Registry& registry);

    prometheus::Counter& completed;
    prometheus::Counter& cancelled;
    prometheus::Counter& failed;
    prometheus::Counter& deadline_exceeded;
    prometheus::Counter& rejected_queue_full;
    prometheus::Counter& rejected_context;
    prometheus::Gauge& queue_depth;
    prometheus::Gauge& active_slots;
    prometheus::Gauge& kv_used_tokens;
    prometheus::Gauge& kv_capacity_tokens;
    prometheus::Histogram& queue_seconds;
    prometheus::Histogram& image_encode_seconds;
    prometheus::Counter& prefill_tokens;
    prometheus::Counter& decode_tokens;
    prometheus::Counter& prefill_seconds;
    prometheus::Counter& decode_seconds;
    prometheus::Gauge& decode_tokens_per_second;
    prometheus::Counter& image_encodes;
    prometheus::Counter& image_cache_hits;
    prometheus::Counter& image_cache_misses;
    prometheus::Gauge& image_cache_bytes;
    prometheus::Gauge& image_cache_entries;
    prometheus::Counter& prefix_reused_tokens;
};

}  // namespace vg::engine
