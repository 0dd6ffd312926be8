#include "engine/text/gbnf_matcher.hpp"

#include <stdexcept>
#include <utility>

namespace vg::test {
namespace {

constexpr std::size_t kStepBudget = 5'000'000;
// Continuations nest, so the stack grows with every symbol matched; this keeps a runaway search (left
// recursion) from overflowing it, even with a sanitizer's big frames. The tests' documents need about 300.
constexpr std::size_t kMaxDepth = 4'000;

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

std::vector<std::uint32_t> decode_code_points(std::string_view text) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || i + static_cast<std::size_t>(length) > text.size()) {
            throw std::invalid_argument("malformed UTF-8");
        }
        std::uint32_t cp = length == 1 ? lead : lead & (0x7F >> length);
        for (int k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
            if ((next & 0xC0) != 0x80) throw std::invalid_argument("malformed UTF-8");
            cp = (cp << 6) | (next & 0x3F);
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(length);
    }
    return out;
}

// Recursive descent over the grammar text, following the grammar of grammars in llama.cpp's
// grammars/README.md: a rule ends at a newline unless inside parentheses or right after `|`.
class GbnfMatcher::Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    void parse_into(GbnfMatcher& matcher) {
        skip_space(true);
        while (pos_ < text_.size()) {
            std::string name = parse_name();
            skip_space(false);
            if (text_.substr(pos_, 3) != "::=") fail("expected ::=");
            pos_ += 3;
            skip_space(true);
            Node body = parse_alternatives(false);
            if (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') fail("expected end of rule");
            skip_space(true);
            if (matcher.rule_index_.count(name) != 0) fail("rule defined twice: " + name);
            matcher.rule_index_[name] = matcher.rules_.size();
            matcher.rules_.push_back(std::move(body));
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::invalid_argument("gbnf: " + what + " at offset " + std::to_string(pos_) + ": " +
                                    std::string(text_.substr(pos_, 30)));
    }

    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    void skip_space(bool newlines) {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            } else if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
                ++pos_;
            } else {
                break;
            }
        }
    }

    std::string parse_name() {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
        if (pos_ == start) fail("expected a rule name");
        return std::string(text_.substr(start, pos_ - start));
    }

    std::uint32_t parse_hex(int digits) {
        std::uint32_t value = 0;
        for (int i = 0; i < digits; ++i) {
            const char c = peek();
            int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
            if (digit < 0) fail("expected a hex digit");
            value = value * 16 + static_cast<std::uint32_t>(digit);
            ++pos_;
        }
        return value;
    }

    // One character of a literal or class: an escape or a UTF-8 encoded code point.
    std::uint32_t parse_char() {
        if (pos_ >= text_.size()) fail("unexpected end");
        if (text_[pos_] == '\\') {
            ++pos_;
            const char c = peek();
            ++pos_;
            switch (c) {
                case 'x': return parse_hex(2);
                case 'u': return parse_hex(4);
                case 'U': return parse_hex(8);
                case 'n': return '\n';
                case 'r': return '\r';
                case 't': return '\t';
                case '\\':
                case '"':
                case '[':
                case ']': return static_cast<unsigned char>(c);
                default: --pos_; fail("unknown escape");
            }
        }
        const auto lead = static_cast<unsigned char>(text_[pos_]);
        const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        const auto decoded = decode_code_points(text_.substr(pos_, length));
        pos_ += length;
        return decoded.front();
    }

    Node parse_alternatives(bool nested) {
        Node alternatives;
        alternatives.kind = Node::Kind::kAlternatives;
        alternatives.children.push_back(parse_sequence(nested));
        while (peek() == '|') {
            ++pos_;
            skip_space(true);
            alternatives.children.push_back(parse_sequence(nested));
        }
        return alternatives;
    }

    Node parse_sequence(bool nested) {
        Node sequence;
        sequence.kind = Node::Kind::kSequence;
        while (pos_ < text_.size()) {
            const char c = peek();
            Node item;
            if (c == '"') {
                ++pos_;
                item.kind = Node::Kind::kLiteral;
                while (peek() != '"') item.literal.push_back(parse_char());
                ++pos_;
            } else if (c == '[') {
                ++pos_;
                item.kind = Node::Kind::kClass;
                if (peek() == '^') {
                    item.negated = true;
                    ++pos_;
                }
                while (peek() != ']') {
                    const std::uint32_t low = parse_char();
                    std::uint32_t high = low;
                    if (peek() == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] != ']') {
                        ++pos_;
                        high = parse_char();
                    }
                    item.ranges.emplace_back(low, high);
                }
                ++pos_;
            } else if (c == '(') {
                ++pos_;
                skip_space(true);
                item = parse_alternatives(true);
                if (peek() != ')') fail("expected )");
                ++pos_;
            } else if (is_name_char(c)) {
                item.kind = Node::Kind::kReference;
                item.reference = parse_name();
            } else {
                break;
            }
            skip_space(nested);
            sequence.children.push_back(parse_postfix(std::move(item), nested));
        }
        return sequence;
    }

    Node parse_postfix(Node item, bool nested) {
        while (true) {
            int min = 0;
            int max = -1;
            const char c = peek();
            if (c == '*') {
                ++pos_;
            } else if (c == '+') {
                min = 1;
                ++pos_;
            } else if (c == '?') {
                max = 1;
                ++pos_;
            } else if (c == '{') {
                ++pos_;
                min = parse_int();
                if (peek() == '}') {
                    max = min;
                } else {
                    if (peek() != ',') fail("expected , or }");
                    ++pos_;
                    if (peek() != '}') max = parse_int();
                }
                if (peek() != '}') fail("expected }");
                ++pos_;
            } else {
                return item;
            }
            skip_space(nested);
            Node repeat;
            repeat.kind = Node::Kind::kRepeat;
            repeat.min = min;
            repeat.max = max;
            repeat.children.push_back(std::move(item));
            item = std::move(repeat);
        }
    }

    int parse_int() {
        const std::size_t start = pos_;
        int value = 0;
        while (peek() >= '0' && peek() <= '9') value = value * 10 + (text_[pos_++] - '0');
        if (pos_ == start) fail("expected a number");
        return value;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

GbnfMatcher::GbnfMatcher(std::string_view grammar) {
    Parser(grammar).parse_into(*this);
    for (auto& rule : rules_) resolve(rule);
}

void GbnfMatcher::resolve(Node& node) {
    if (node.kind == Node::Kind::kReference) {
        auto found = rule_index_.find(node.reference);
        if (found == rule_index_.end()) throw std::invalid_argument("gbnf: undefined rule " + node.reference);
        node.rule = found->second;
    }
    for (auto& child : node.children) resolve(child);
}

bool GbnfMatcher::matches(std::string_view text, std::string_view start) const {
    auto found = rule_index_.find(std::string(start));
    if (found == rule_index_.end()) throw std::invalid_argument("gbnf: no rule " + std::string(start));
    input_ = decode_code_points(text);
    steps_ = 0;
    depth_ = 0;
    return match(rules_[found->second], 0, [&](std::size_t end) { return end == input_.size(); });
}

bool GbnfMatcher::match(const Node& node, std::size_t pos, const Continuation& next) const {
    if (++steps_ > kStepBudget) throw std::runtime_error("gbnf: step budget exhausted");
    if (depth_ >= kMaxDepth) throw std::runtime_error("gbnf: recursion too deep");
    ++depth_;
    const bool matched = match_node(node, pos, next);
    --depth_;
    return matched;
}

bool GbnfMatcher::match_node(const Node& node, std::size_t pos, const Continuation& next) const {
    switch (node.kind) {
        case Node::Kind::kLiteral:
            for (std::size_t i = 0; i < node.literal.size(); ++i) {
                if (pos + i >= input_.size() || input_[pos + i] != node.literal[i]) return false;
            }
            return next(pos + node.literal.size());
        case Node::Kind::kClass: {
            if (pos >= input_.size()) return false;
            bool in_class = false;
            for (const auto& [low, high] : node.ranges)
                in_class = in_class || (input_[pos] >= low && input_[pos] <= high);
            return in_class != node.negated && next(pos + 1);
        }
        case Node::Kind::kReference: return match(rules_[node.rule], pos, next);
        case Node::Kind::kSequence: return match_sequence(node, 0, pos, next);
        case Node::Kind::kAlternatives:
            for (const auto& child : node.children) {
                if (match(child, pos, next)) return true;
            }
            return false;
        case Node::Kind::kRepeat: return match_repeat(node, 0, pos, next);
    }
    return false;
}

bool GbnfMatcher::match_sequence(const Node& node, std::size_t index, std::size_t pos, const Continuation& next) const {
    if (index == node.children.size()) return next(pos);
    return match(node.children[index], pos,
                 [&](std::size_t after) { return match_sequence(node, index + 1, after, next); });
}

bool GbnfMatcher::match_repeat(const Node& node, int count, std::size_t pos, const Continuation& next) const {
    if (node.max < 0 || count < node.max) {
        const bool matched = match(node.children.front(), pos, [&](std::size_t after) {
            // An empty iteration past the minimum changes nothing and would loop forever.
            if (after == pos && count >= node.min) return false;
            return match_repeat(node, count + 1, after, next);
        });
        if (matched) return true;
    }
    return count >= node.min && next(pos);
}

}  // namespace vg::test
