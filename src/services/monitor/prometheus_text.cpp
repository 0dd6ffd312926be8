#include "services/monitor/prometheus_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace vg::services::monitor {

namespace {

bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

// Reads one line left to right; every failure names the line.
class LineReader {
public:
    LineReader(std::string_view line, std::size_t number) : line_(line), number_(number) {}

    [[noreturn]] void fail(const std::string& problem) const { throw ExpositionError(number_, problem); }
    bool done() const { return at_ >= line_.size(); }
    char peek() const { return done() ? '\0' : line_[at_]; }
    void skip_blanks() {
        while (!done() && is_blank(line_[at_])) ++at_;
    }
    bool consume(char c) {
        if (peek() != c) return false;
        ++at_;
        return true;
    }
    void expect(char c, const char* what) {
        if (!consume(c)) fail(std::string("expected ") + what);
    }

    // Metric names may contain ':'; label names may not.
    std::string name(bool metric) {
        const std::size_t start = at_;
        if (done() || !(is_name_start(line_[at_]) || (metric && line_[at_] == ':')))
            fail(metric ? "expected a metric name" : "expected a label name");
        while (!done() && (is_name_char(line_[at_]) || (metric && line_[at_] == ':'))) ++at_;
        return std::string(line_.substr(start, at_ - start));
    }

    // A token up to the next blank.
    std::string_view word() {
        const std::size_t start = at_;
        while (!done() && !is_blank(line_[at_])) ++at_;
        return line_.substr(start, at_ - start);
    }

    std::string_view rest() const { return line_.substr(std::min(at_, line_.size())); }

    std::string quoted_value() {
        expect('"', "'\"' to open a label value");
        std::string out;
        while (true) {
            if (done()) fail("unterminated label value");
            char c = line_[at_++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (done()) fail("unterminated escape in label value");
            char escaped = line_[at_++];
            if (escaped == '\\')
                out += '\\';
            else if (escaped == '"')
                out += '"';
            else if (escaped == 'n')
                out += '\n';
            else
                fail(std::string("invalid escape \\") + escaped + " in label value");
        }
    }

    Labels labels() {
        Labels out;
        skip_blanks();
        while (!consume('}')) {
            std::string label = name(false);
            skip_blanks();
            expect('=', "'=' after a label name");
            skip_blanks();
            std::string value = quoted_value();
            if (std::any_of(out.begin(), out.end(), [&](const auto& l) { return l.first == label; }))
                fail("label '" + label + "' given twice");
            out.emplace_back(std::move(label), std::move(value));
            skip_blanks();
            if (consume(',')) {
                skip_blanks();
                continue;
            }
            skip_blanks();
            expect('}', "',' or '}' after a label value");
            break;
        }
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    std::string_view line_;
    std::size_t number_;
    std::size_t at_ = 0;
};

double parse_value(std::string_view text, const LineReader& line) {
    if (iequals(text, "nan")) return std::numeric_limits<double>::quiet_NaN();
    if (iequals(text, "+inf") || iequals(text, "inf")) return std::numeric_limits<double>::infinity();
    if (iequals(text, "-inf")) return -std::numeric_limits<double>::infinity();
    std::string_view digits = text.starts_with('+') ? text.substr(1) : text;
    double value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size())
        line.fail("invalid value '" + std::string(text) + "'");
    return value;
}

std::int64_t parse_timestamp(std::string_view text, const LineReader& line) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        line.fail("invalid timestamp '" + std::string(text) + "'");
    return value;
}

std::string unescape_help(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '\\' || text[i + 1] == 'n')) {
            out += text[i + 1] == 'n' ? '\n' : '\\';
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

// "# HELP name text" and "# TYPE name type"; any other comment is skipped.
void parse_comment(LineReader& line, Exposition& out) {
    line.consume('#');
    line.skip_blanks();
    const std::string_view keyword = line.word();
    if (keyword != "HELP" && keyword != "TYPE") return;
    line.skip_blanks();
    std::string family = line.name(true);
    if (keyword == "HELP") {
        if (!line.done() && !is_blank(line.peek())) line.fail("expected a blank after the metric name");
        line.skip_blanks();
        out.help[family] = unescape_help(line.rest());
        return;
    }
    line.skip_blanks();
    const std::string type(line.word());
    line.skip_blanks();
    if (!line.done()) line.fail("unexpected text after the type");
    static const char* const kTypes[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes))
        line.fail("unknown metric type '" + type + "'");
    if (!out.types.emplace(family, type).second) line.fail("second TYPE line for " + family);
}

Sample parse_sample(LineReader& line) {
    Sample sample;
    sample.name = line.name(true);
    bool blank = is_blank(line.peek());
    line.skip_blanks();
    if (line.consume('{')) {
        sample.labels = line.labels();
        blank = is_blank(line.peek());
        line.skip_blanks();
    }
    if (!blank && !line.done()) line.fail("expected a blank before the value");
    const std::string_view value = line.word();
    if (value.empty()) line.fail("missing value");
    sample.value = parse_value(value, line);
    line.skip_blanks();
    if (!line.done()) {
        sample.timestamp_ms = parse_timestamp(line.word(), line);
        line.skip_blanks();
        if (!line.done()) line.fail("unexpected text after the timestamp");
    }
    return sample;
}

// A histogram's buckets must say where they end.
void check_histogram_bucket(const Sample& sample, const Exposition& out, const LineReader& line) {
    if (!sample.name.ends_with("_bucket")) return;
    auto type = out.types.find(sample.name.substr(0, sample.name.size() - 7));
    if (type != out.types.end() && type->second == "histogram" && !find_label(sample.labels, "le")) {
        line.fail("histogram bucket " + sample.name + " has no 'le' label");
    }
}

}  // namespace

Exposition parse_prometheus_text(std::string_view text) {
    Exposition out;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw = text.substr(start, end - start);
        start = end + 1;
        ++number;
        if (raw.ends_with('\r')) raw.remove_suffix(1);
        LineReader line(raw, number);
        line.skip_blanks();
        if (line.done()) continue;
        if (line.peek() == '#') {
            parse_comment(line, out);
            continue;
        }
        Sample sample = parse_sample(line);
        check_histogram_bucket(sample, out, line);
        out.samples.push_back(std::move(sample));
    }
    return out;
}

const std::string* find_label(const Labels& labels, std::string_view name) {
    for (const auto& [key, value] : labels) {
        if (key == name) return &value;
    }
    return nullptr;
}

}  // namespace vg::services::monitor
