#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vg::test {

// A deliberately naive backtracking recognizer for GBNF (literals, character classes with ranges and
// negation, grouping, alternation, * + ? {m} {m,} {m,n}, rule references, comments), written from the
// llama.cpp grammar documentation rather than from its code. Tests use it to check what a generated grammar
// admits: it shares nothing with the generator, so it cannot share its mistakes. Matches code points, as
// llama.cpp does. Exponential in bad cases; fine for the short documents tests feed it.
class GbnfMatcher {
public:
    // Throws std::invalid_argument on a syntax error or a reference to an undefined rule.
    explicit GbnfMatcher(std::string_view grammar);

    // Whether all of `text` (UTF-8) derives from rule `start`. Throws std::runtime_error when the search
    // exceeds its step budget (a left-recursive grammar, say) rather than hanging the test.
    bool matches(std::string_view text, std::string_view start = "root") const;

    bool has_rule(std::string_view name) const { return rule_index_.count(std::string(name)) != 0; }

private:
    struct Node {
        enum class Kind { kLiteral, kClass, kReference, kSequence, kAlternatives, kRepeat };
        Kind kind = Kind::kSequence;
        std::vector<std::uint32_t> literal;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // inclusive
        bool negated = false;
        std::string reference;
        std::size_t rule = 0;  // resolved reference
        std::vector<Node> children;
        int min = 0;
        int max = -1;  // -1: unbounded
    };
    using Continuation = std::function<bool(std::size_t)>;

    class Parser;

    void resolve(Node& node);
    bool match(const Node& node, std::size_t pos, const Continuation& next) const;
    bool match_node(const Node& node, std::size_t pos, const Continuation& next) const;
    bool match_sequence(const Node& node, std::size_t index, std::size_t pos, const Continuation& next) const;
    bool match_repeat(const Node& node, int count, std::size_t pos, const Continuation& next) const;

    std::vector<Node> rules_;
    std::map<std::string, std::size_t> rule_index_;

    // Per matches() call; mutable because matching is logically const.
    mutable std::vector<std::uint32_t> input_;
    mutable std::size_t steps_ = 0;
    mutable std::size_t depth_ = 0;
};

// UTF-8 to code points; throws std::invalid_argument on malformed input.
std::vector<std::uint32_t> decode_code_points(std::string_view text);

}  // namespace vg::test
