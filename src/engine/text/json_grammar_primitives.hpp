#pragma once

#include <set>
#include <string>
#include <string_view>

namespace vg::engine {

class GbnfRuleSet;

// The fixed GBNF rules a JSON grammar is built from: `ws`, `string`, `number`, `integer`, `boolean`, `null`,
// any JSON `value` / `object` / `array`, and the string formats `date`, `time`, `date-time`, `uuid`.
// Only the rules a grammar uses are emitted, so small schemas give small grammars. Not thread-safe.
class JsonGrammarPrimitives {
public:
    static bool is_known(std::string_view name);

    // Marks `name` and the rules it refers to as used; returns the name to put in a rule body.
    // Throws std::logic_error for a name that is not a primitive.
    std::string use(std::string_view name);

    // Appends the used rules, in a fixed order, after everything already reserved in `rules`.
    void define_used(GbnfRuleSet& rules) const;

private:
    std::set<std::string, std::less<>> used_;
};

}  // namespace vg::engine
