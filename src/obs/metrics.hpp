#pragma once

#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace vg::obs {

// Prometheus text exposition (format 0.0.4) of everything in `registry`.
std::string expose_metrics(const prometheus::Registry& registry);

// Latency buckets in seconds shared by every request histogram, 1 ms to 60 s.
const std::vector<double>& latency_buckets();

}  // namespace vg::obs
