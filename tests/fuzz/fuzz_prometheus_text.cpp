// The monitor's parser of scraped /metrics bodies (services/monitor/prometheus_text.hpp): any
// instance it scrapes, or anything answering on that address, controls these bytes.
// Input: an exposition. Only ExpositionError may come out, and samples keep their promises.
#include <cstdlib>
#include <string_view>

#include "services/monitor/prometheus_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace vg::services::monitor;
    try {
        Exposition exposition = parse_prometheus_text(std::string_view(reinterpret_cast<const char*>(data), size));
        for (const auto& sample : exposition.samples) {
            if (sample.name.empty()) std::abort();
            // Labels sorted by name, each name once.
            for (std::size_t i = 1; i < sample.labels.size(); ++i) {
                if (!(sample.labels[i - 1].first < sample.labels[i].first)) std::abort();
            }
            for (const auto& [name, value] : sample.labels) {
                if (find_label(sample.labels, name) == nullptr || *find_label(sample.labels, name) != value) std::abort();
            }
        }
    } catch (const ExpositionError&) {
    }
    return 0;
}
