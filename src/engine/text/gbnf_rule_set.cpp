#include "engine/text/gbnf_rule_set.hpp"

#include <stdexcept>
#include <utility>

#include "core/error.hpp"

namespace vg::engine {
namespace {

bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::string gbnf_literal(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7F) {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string gbnf_name_part(std::string_view text) {
    std::string out;
    char previous = 0;
    for (char c : text) {
        if (is_upper(c)) {
            if (is_lower(previous) || is_digit(previous)) out += '-';
            out += static_cast<char>(c - 'A' + 'a');
        } else if (is_lower(c) || is_digit(c)) {
            out += c;
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
        previous = c;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

GbnfRuleSet::GbnfRuleSet(std::size_t max_bytes) : max_bytes_(max_bytes) {}

std::string GbnfRuleSet::reserve(std::string_view base) {
    std::string name(base);
    // Resuming from the last suffix handed out for this base keeps many same-named properties linear.
    int& suffix = next_suffix_[name];
    while (index_.count(name) != 0) name = std::string(base) + "-" + std::to_string(++suffix + 1);
    index_.emplace(name, rules_.size());
    rules_.push_back({name, {}, State::kReserved});
    return name;
}

void GbnfRuleSet::define(const std::string& name, std::string body) {
    auto found = index_.find(name);
    if (found == index_.end() || rules_[found->second].state != State::kReserved) {
        throw std::logic_error("gbnf rule '" + name + "' is not reserved");
    }
    const std::size_t bytes = name.size() + body.size() + 6;  // " ::= " and the newline
    check_size(bytes);
    bytes_ += bytes;
    rules_[found->second].body = std::move(body);
    rules_[found->second].state = State::kDefined;
}

void GbnfRuleSet::release(const std::string& name) {
    auto found = index_.find(name);
    if (found == index_.end() || rules_[found->second].state != State::kReserved) {
        throw std::logic_error("gbnf rule '" + name + "' is not reserved");
    }
    rules_[found->second].state = State::kReleased;
    index_.erase(found);
}

void GbnfRuleSet::check_size(std::size_t bytes) const {
    if (bytes_ + bytes > max_bytes_) {
        throw ClientError("unsupported_schema",
                          "the schema is too large: its grammar would exceed " + std::to_string(max_bytes_) + " bytes");
    }
}

std::string GbnfRuleSet::text() const {
    std::string out;
    out.reserve(bytes_);
    for (const auto& rule : rules_) {
        if (rule.state == State::kReleased) continue;
        if (rule.state != State::kDefined) throw std::logic_error("gbnf rule '" + rule.name + "' was never defined");
        out += rule.name;
        out += " ::= ";
        out += rule.body;
        out += '\n';
    }
    return out;
}

}  // namespace vg::engine
