#include "services/monitor/alert.hpp"

#include <algorithm>
#include <cstdio>

namespace vg::services::monitor {

std::string_view state_name(AlertState state) {
    switch (state) {
        case AlertState::kPending: return "pending";
        case AlertState::kFiring: return "firing";
        case AlertState::kResolved: return "resolved";
    }
    return "";
}

std::string fingerprint(const LabelMap& labels) {
    std::uint64_t hash = 14695981039346656037ULL;
    const auto add = [&](unsigned char byte) {
        hash ^= byte;
        hash *= 1099511628211ULL;
    };
    for (const auto& [name, value] : labels) {  // std::map: already in name order
        for (char c : name) add(static_cast<unsigned char>(c));
        add(0xff);
        for (char c : value) add(static_cast<unsigned char>(c));
        add(0xff);
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

std::string fill_template(const std::string& text, const LabelMap& labels, std::optional<double> value) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t open = text.find("{{", at);
        const std::size_t close = open == std::string::npos ? std::string::npos : text.find("}}", open + 2);
        if (close == std::string::npos) break;
        out.append(text, at, open - at);
        std::string inner = text.substr(open + 2, close - open - 2);
        inner.erase(0, inner.find_first_not_of(' '));
        inner.erase(inner.find_last_not_of(' ') + 1);
        if (inner == "$value") {
            if (value) {
                char number[32];
                std::snprintf(number, sizeof number, "%.4g", *value);
                out += number;
            }
        } else if (inner.starts_with("$labels.")) {
            auto label = labels.find(inner.substr(8));
            if (label != labels.end()) out += label->second;
        } else {
            out.append(text, open, close + 2 - open);
        }
        at = close + 2;
    }
    out.append(text, std::min(at, text.size()));
    return out;
}

}  // namespace vg::services::monitor
