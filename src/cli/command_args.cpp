#include "cli/command_args.hpp"

#include <charconv>
#include <cstdlib>

namespace vg::cli {

CommandArgs CommandArgs::parse(const std::vector<std::string>& args, const ArgSpec& spec) {
    CommandArgs parsed;
    bool options_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (options_ended || arg == "-" || !arg.starts_with("-")) {
            parsed.positional_.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_ended = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            parsed.help_ = true;
            continue;
        }
        const auto eq = arg.find('=');
        const std::string name = arg.substr(0, eq);
        if (spec.flags.contains(name)) {
            if (eq != std::string::npos) throw UsageError(name + " takes no value");
            parsed.flags_.insert(name);
        } else if (spec.with_value.contains(name)) {
            if (eq != std::string::npos) {
                parsed.values_[name] = arg.substr(eq + 1);
            } else if (i + 1 < args.size()) {
                parsed.values_[name] = args[++i];
            } else {
                throw UsageError(name + " needs a value");
            }
        } else {
            throw UsageError("unknown option " + name);
        }
    }
    return parsed;
}

std::optional<std::string> CommandArgs::value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

int CommandArgs::integer(const std::string& name, int fallback, int min, int max) const {
    auto text = value(name);
    if (!text) return fallback;
    int number = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (ec != std::errc{} || end != text->data() + text->size() || number < min || number > max) {
        throw UsageError(name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return number;
}

std::optional<std::string> environment(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

}  // namespace vg::cli
