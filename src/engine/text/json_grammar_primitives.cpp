#include "engine/text/json_grammar_primitives.hpp"

#include <stdexcept>
#include <vector>

#include "engine/text/gbnf_rule_set.hpp"

namespace vg::engine {
namespace {

struct Primitive {
    std::string_view name;
    std::string_view body;
    std::vector<std::string_view> uses;
};

// Every unbounded-looking piece is bounded (whitespace, digits) so a model cannot loop forever inside one
// token class; only nesting and element counts stay open, and max_tokens bounds those.
const Primitive kPrimitives[] = {
    // A little whitespace between tokens keeps a model on familiar ground without letting it stall.
    {"ws", R"([ \t\n]{0,20})", {}},
    {"hex", R"([0-9a-fA-F])", {}},
    // One JSON string character: anything but `"`, `\` and control characters, or an escape. \u escapes
    // of surrogates must come as a high-low pair, as a lone surrogate is rejected by JSON parsers.
    {"char",
     R"([^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" ( [0-9a-cA-Ce-fE-F] hex{3} | [dD] [0-7] hex{2} | [dD] [89abAB] hex{2} "\\u" [dD] [c-fC-F] hex{2} ) ))",
     {"hex"}},
    {"string", R"("\"" char* "\"")", {"char"}},
    {"integer", R"("-"? ( "0" | [1-9] [0-9]{0,15} ))", {}},
    {"number", R"(integer ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?)", {"integer"}},
    // Bounded numbers: [0, 1] and >= 0 (schemas' minimum/maximum in the forms the converter supports).
    {"unit-number", R"("0" ( "." [0-9]{1,16} )? | "1" ( "." "0"{1,16} )?)", {}},
    {"natural", R"("0" | [1-9] [0-9]{0,15})", {}},
    {"non-negative-number", R"(natural ( "." [0-9]{1,16} )?)", {"natural"}},
    {"boolean", R"("true" | "false")", {}},
    {"null", R"("null")", {}},
    {"value",
     R"(object | array | string | number | boolean | null)",
     {"object", "array", "string", "number", "boolean", "null"}},
    {"object",
     R"("{" ws ( string ws ":" ws value ws ( "," ws string ws ":" ws value ws )* )? "}")",
     {"ws", "string", "value"}},
    {"array", R"("[" ws ( value ws ( "," ws value ws )* )? "]")", {"ws", "value"}},
    // RFC 3339 full-date; February stops at the 28th, as the 29th is only valid in leap years.
    {"date-part",
     R"([0-9]{4} "-" ( ( "0" [13578] | "1" [02] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] ) | ( "0" [469] | "11" ) "-" ( "0" [1-9] | [12] [0-9] | "30" ) | "02-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) ))",
     {}},
    // RFC 3339 full-time (an offset is required); leap seconds are left out.
    {"time-part",
     R"(( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,9} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ))",
     {}},
    {"date", R"("\"" date-part "\"")", {"date-part"}},
    {"time", R"("\"" time-part "\"")", {"time-part"}},
    {"date-time", R"("\"" date-part "T" time-part "\"")", {"date-part", "time-part"}},
    {"uuid", R"("\"" hex{8} "-" hex{4} "-" hex{4} "-" hex{4} "-" hex{12} "\"")", {"hex"}},
};

const Primitive* find(std::string_view name) {
    for (const auto& primitive : kPrimitives) {
        if (primitive.name == name) return &primitive;
    }
    return nullptr;
}

}  // namespace

bool JsonGrammarPrimitives::is_known(std::string_view name) {
    return find(name) != nullptr;
}

std::string JsonGrammarPrimitives::use(std::string_view name) {
    const Primitive* primitive = find(name);
    if (primitive == nullptr) throw std::logic_error("no JSON grammar primitive named " + std::string(name));
    if (used_.insert(std::string(name)).second) {
        for (auto dependency : primitive->uses) use(dependency);
    }
    return std::string(name);
}

void JsonGrammarPrimitives::define_used(GbnfRuleSet& rules) const {
    for (const auto& primitive : kPrimitives) {
        if (used_.count(primitive.name) == 0) continue;
        const std::string name = rules.reserve(primitive.name);
        // Schema-derived rules all start with "root", "def-" or "ref-", so a clash means a bug here.
        if (name != primitive.name) throw std::logic_error("grammar rule name clash on " + name);
        rules.define(name, std::string(primitive.body));
    }
}

}  // namespace vg::engine
