#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vg::engine {

// `text` as a GBNF string literal, quotes included. Only `"`, `\` and control characters need escaping;
// other UTF-8 passes through, which llama.cpp's grammar parser decodes into code points.
std::string gbnf_literal(std::string_view text);

// A readable rule-name fragment: lowercase letters, digits and single dashes ("userName" -> "user-name").
// Empty when `text` has no ASCII letter or digit at all.
std::string gbnf_name_part(std::string_view text);

// The rules of one grammar, in the order their names were reserved, with unique names. A name is reserved
// before its body exists so that recursive schemas can refer to a rule still being built.
// Not thread-safe: one per conversion.
class GbnfRuleSet {
public:
    // `max_bytes` bounds the grammar text: a hostile schema must not make the server build gigabytes.
    explicit GbnfRuleSet(std::size_t max_bytes);

    // `base`, or `base-2`, `base-3`, ... if taken. The rule is emitted where it was reserved.
    std::string reserve(std::string_view base);
    void define(const std::string& name, std::string body);
    // Gives back a reserved name whose body turned out to be needless (the caller used another rule directly).
    void release(const std::string& name);

    // Throws ClientError("unsupported_schema") if `bytes` more would pass the size bound.
    void check_size(std::size_t bytes) const;

    // "name ::= body" lines; every reserved name must have been defined.
    std::string text() const;

private:
    enum class State { kReserved, kDefined, kReleased };
    struct Rule {
        std::string name;
        std::string body;
        State state = State::kReserved;
    };

    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::vector<Rule> rules_;
    std::unordered_map<std::string, std::size_t> index_;  // live names -> position in rules_
    std::unordered_map<std::string, int> next_suffix_;    // base -> suffixes tried so far
};

}  // namespace vg::engine
