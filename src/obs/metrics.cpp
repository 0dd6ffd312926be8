#include "obs/metrics.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace vg::obs {

std::string expose_metrics(const prometheus::Registry& registry) {
    return prometheus::TextSerializer().Serialize(registry.Collect());
}

const std::vector<double>& latency_buckets() {
    static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,  0.25,
                                                 0.5,   1,      2.5,   5,    10,    30,   60};
    return kBuckets;
}

}  // namespace vg::obs
