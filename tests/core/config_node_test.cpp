#include "core/config_node.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vg {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

template <class Fn>
std::string config_error_of(Fn&& fn) {
    try {
        fn();
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected ConfigError";
    return {};
}

// Holds the source and effective trees of one parse; `section()` is the "server" section.
class ConfigNodeTest : public ::testing::Test {
protected:
    ConfigNode section(const std::string& yaml) {
        source_ = YAML::Load(yaml);
        return ConfigNode(source_, effective_, "server");
    }
    ConfigNode root(const std::string& yaml) {
        source_ = YAML::Load(yaml);
        return ConfigNode::root(source_, effective_);
    }

    YAML::Node source_;
    YAML::Node effective_{YAML::NodeType::Map};
};

// --- scalars -------------------------------------------------------------------------------------

TEST_F(ConfigNodeTest, ReadsAnInt) {
    auto node = section("port: 8080\n");
    int port = 1;
    node.read("port", port);
    EXPECT_EQ(port, 8080);
}

TEST_F(ConfigNodeTest, AbsentKeyKeepsTheDefault) {
    auto node = section("{}\n");
    int port = 1234;
    std::string host = "localhost";
    node.read("port", port);
    node.read("host", host);
    EXPECT_EQ(port, 1234);
    EXPECT_EQ(host, "localhost");
}

TEST_F(ConfigNodeTest, NullValueKeepsTheDefault) {
    auto node = section("port:\n");
    int port = 1234;
    node.read("port", port);
    EXPECT_EQ(port, 1234);
}

TEST_F(ConfigNodeTest, BadIntNamesThePathAndTheValue) {
    auto node = section("port: eighty\n");
    int port = 0;
    auto message = config_error_of([&] { node.read("port", port); });
    EXPECT_THAT(message, HasSubstr("server.port"));
    EXPECT_THAT(message, HasSubstr("eighty"));
}

TEST_F(ConfigNodeTest, IntRejectsFractionsAndLists) {
    int value = 0;
    auto node = section("a: 1.5\nb: [1]\n");
    config_error_of([&] { node.read("a", value); });
    config_error_of([&] { node.read("b", value); });
}

TEST_F(ConfigNodeTest, SizeTAcceptsZeroAndRejectsNegative) {
    auto node = section("zero: 0\nqueue: 64\nneg: -1\n");
    std::size_t zero = 9, queue = 0, neg = 5;
    node.read("zero", zero);
    node.read("queue", queue);
    EXPECT_EQ(zero, 0u);
    EXPECT_EQ(queue, 64u);
    auto message = config_error_of([&] { node.read("neg", neg); });
    EXPECT_THAT(message, HasSubstr("server.neg"));
    EXPECT_THAT(message, HasSubstr("non-negative"));
    EXPECT_EQ(neg, 5u);
}

TEST_F(ConfigNodeTest, ReadsBooleans) {
    auto node = section("a: true\nb: false\nc: maybe\n");
    bool a = false, b = true, c = false;
    node.read("a", a);
    node.read("b", b);
    EXPECT_TRUE(a);
    EXPECT_FALSE(b);
    auto message = config_error_of([&] { node.read("c", c); });
    EXPECT_THAT(message, HasSubstr("server.c"));
    EXPECT_THAT(message, HasSubstr("maybe"));
}

TEST_F(ConfigNodeTest, ReadsDoubles) {
    auto node = section("ratio: 0.25\nwhole: 3\nbad: x\n");
    double ratio = 0, whole = 0, bad = 0;
    node.read("ratio", ratio);
    node.read("whole", whole);
    EXPECT_DOUBLE_EQ(ratio, 0.25);
    EXPECT_DOUBLE_EQ(whole, 3.0);
    config_error_of([&] { node.read("bad", bad); });
}

TEST_F(ConfigNodeTest, StringRejectsAMapping) {
    auto node = section("host: {a: b}\n");
    std::string host;
    auto message = config_error_of([&] { node.read("host", host); });
    EXPECT_THAT(message, HasSubstr("server.host"));
}

// --- durations and sizes -------------------------------------------------------------------------

TEST_F(ConfigNodeTest, ReadsDurations) {
    auto node = section("a: 250ms\nb: 2s\nc: 5m\nd: 1h\ne: 750\n");
    std::chrono::milliseconds a{}, b{}, c{}, d{}, e{};
    node.read("a", a);
    node.read("b", b);
    node.read("c", c);
    node.read("d", d);
    node.read("e", e);
    EXPECT_EQ(a, 250ms);
    EXPECT_EQ(b, 2000ms);
    EXPECT_EQ(c, 300000ms);
    EXPECT_EQ(d, 3600000ms);
    EXPECT_EQ(e, 750ms);
}

TEST_F(ConfigNodeTest, BadDurationNamesThePath) {
    auto node = section("timeout: 5 parsecs\nneg: -5s\n");
    std::chrono::milliseconds timeout = 1s;
    auto message = config_error_of([&] { node.read("timeout", timeout); });
    EXPECT_THAT(message, HasSubstr("server.timeout"));
    EXPECT_THAT(message, HasSubstr("parsecs"));
    config_error_of([&] { node.read("neg", timeout); });
    EXPECT_EQ(timeout, 1s);
}

TEST(ParseDurationTest, UnitsAndErrors) {
    EXPECT_EQ(parse_duration("0"), 0ms);
    EXPECT_EQ(parse_duration("15s"), 15000ms);
    EXPECT_EQ(parse_duration(" 3 m "), 180000ms);
    EXPECT_THROW(parse_duration(""), ConfigError);
    EXPECT_THROW(parse_duration("ms"), ConfigError);
    EXPECT_THROW(parse_duration("1.5s"), ConfigError);
    EXPECT_THROW(parse_duration("2d"), ConfigError);
    EXPECT_THROW(parse_duration("99999999999999999999h"), ConfigError);
    EXPECT_THROW(parse_duration("9999999999999999h"), ConfigError);
}

TEST_F(ConfigNodeTest, ReadsByteSizes) {
    auto node = section("a: 16MiB\nb: 10MB\nc: 512KiB\nd: 1048576\ne: 2GiB\nf: 3 KB\n");
    ByteSize a, b, c, d, e, f;
    node.read("a", a);
    node.read("b", b);
    node.read("c", c);
    node.read("d", d);
    node.read("e", e);
    node.read("f", f);
    EXPECT_EQ(a.bytes, 16u * 1024 * 1024);
    EXPECT_EQ(b.bytes, 10'000'000u);
    EXPECT_EQ(c.bytes, 512u * 1024);
    EXPECT_EQ(d.bytes, 1'048'576u);
    EXPECT_EQ(e.bytes, 2ull * 1024 * 1024 * 1024);
    EXPECT_EQ(f.bytes, 3000u);
}

TEST_F(ConfigNodeTest, BadByteSizeNamesThePath) {
    auto node = section("body_limit: 16 potatoes\n");
    ByteSize limit{42};
    auto message = config_error_of([&] { node.read("body_limit", limit); });
    EXPECT_THAT(message, HasSubstr("server.body_limit"));
    EXPECT_THAT(message, HasSubstr("potatoes"));
    EXPECT_EQ(limit.bytes, 42u);
}

TEST(ParseByteSizeTest, UnitsAndErrors) {
    EXPECT_EQ(parse_byte_size("7B").bytes, 7u);
    EXPECT_EQ(parse_byte_size("1GB").bytes, 1'000'000'000u);
    EXPECT_THROW(parse_byte_size("-1MiB"), ConfigError);
    EXPECT_THROW(parse_byte_size("1mib"), ConfigError);
    EXPECT_THROW(parse_byte_size("MiB"), ConfigError);
    EXPECT_THROW(parse_byte_size("99999999999GiB"), ConfigError);
}

// --- lists and maps ------------------------------------------------------------------------------

TEST_F(ConfigNodeTest, ReadsAListReplacingTheDefault) {
    auto node = section("origins: [a.example, b.example]\n");
    std::vector<std::string> origins = {"default.example"};
    node.read("origins", origins);
    EXPECT_THAT(origins, ElementsAre("a.example", "b.example"));
}

TEST_F(ConfigNodeTest, ListRejectsScalarsAndNestedItems) {
    auto node = section("a: text\nb: [[x]]\n");
    std::vector<std::string> list;
    auto message = config_error_of([&] { node.read("a", list); });
    EXPECT_THAT(message, HasSubstr("server.a"));
    EXPECT_THAT(message, HasSubstr("list"));
    config_error_of([&] { node.read("b", list); });
}

TEST_F(ConfigNodeTest, ReadsAMap) {
    auto node = section("labels: {zone: eu, tier: gold}\n");
    std::map<std::string, std::string> labels = {{"old", "x"}};
    node.read("labels", labels);
    EXPECT_EQ(labels, (std::map<std::string, std::string>{{"tier", "gold"}, {"zone", "eu"}}));
}

TEST_F(ConfigNodeTest, MapRejectsNonMappingAndNestedValues) {
    auto node = section("a: [x]\nb: {zone: {deep: 1}}\n");
    std::map<std::string, std::string> map;
    config_error_of([&] { node.read("a", map); });
    auto message = config_error_of([&] { node.read("b", map); });
    EXPECT_THAT(message, HasSubstr("server.b.zone"));
}

// --- enums ----------------------------------------------------------------------------------------

TEST_F(ConfigNodeTest, ReadEnumAcceptsAnAllowedValue) {
    auto node = section("mode: fast\n");
    std::string mode = "slow";
    node.read_enum("mode", mode, {"slow", "fast"});
    EXPECT_EQ(mode, "fast");
}

TEST_F(ConfigNodeTest, ReadEnumNamesTheValueAndEveryAllowedName) {
    auto node = section("mode: turbo\n");
    std::string mode = "slow";
    auto message = config_error_of([&] { node.read_enum("mode", mode, {"slow", "fast", "auto"}); });
    EXPECT_THAT(message, HasSubstr("server.mode"));
    EXPECT_THAT(message, HasSubstr("turbo"));
    EXPECT_THAT(message, HasSubstr("slow"));
    EXPECT_THAT(message, HasSubstr("fast"));
    EXPECT_THAT(message, HasSubstr("auto"));
}

// --- unknown keys and sections -------------------------------------------------------------------

TEST_F(ConfigNodeTest, FinishRejectsUnknownKeyWithPathAndAllowedNames) {
    auto node = section("port: 1\nhost: h\ncolour: red\n");
    int port = 0;
    std::string host;
    node.read("port", port);
    node.read("host", host);
    auto message = config_error_of([&] { node.finish(); });
    EXPECT_THAT(message, HasSubstr("server.colour"));
    EXPECT_THAT(message, HasSubstr("port"));
    EXPECT_THAT(message, HasSubstr("host"));
}

TEST_F(ConfigNodeTest, FinishAcceptsWhenEveryKeyWasRead) {
    auto node = section("port: 1\n");
    int port = 0;
    std::string host;
    node.read("port", port);
    node.read("host", host);  // asked for but absent: fine
    EXPECT_NO_THROW(node.finish());
}

TEST_F(ConfigNodeTest, NestedSectionsCarryTheirFullPath) {
    auto root_node = root("server:\n  tls:\n    cert: a.pem\n    cipher: x\n");
    auto server = root_node.child("server");
    auto tls = server.child("tls");
    EXPECT_EQ(tls.path(), "server.tls");
    std::string cert;
    tls.read("cert", cert);
    EXPECT_EQ(cert, "a.pem");
    auto message = config_error_of([&] { tls.finish(); });
    EXPECT_THAT(message, HasSubstr("server.tls.cipher"));
    EXPECT_THAT(message, HasSubstr("cert"));
    EXPECT_NO_THROW(server.finish());
    EXPECT_NO_THROW(root_node.finish());
}

TEST_F(ConfigNodeTest, UnknownTopLevelKeyNamesTheKnownSections) {
    auto root_node = root("server: {}\nsevrer: {}\n");
    root_node.child("server");
    auto message = config_error_of([&] { root_node.finish(); });
    EXPECT_THAT(message, HasSubstr("sevrer"));
    EXPECT_THAT(message, HasSubstr("server"));
}

TEST_F(ConfigNodeTest, ChildMustBeAMapping) {
    auto root_node = root("server: 5\n");
    auto message = config_error_of([&] { root_node.child("server"); });
    EXPECT_THAT(message, HasSubstr("server"));
}

TEST_F(ConfigNodeTest, NonMappingSourceIsRejected) {
    config_error_of([] { ConfigNode bad(YAML::Load("[1, 2]"), YAML::Node(YAML::NodeType::Map), "x"); });
}

TEST_F(ConfigNodeTest, AbsentChildIsEmptyAndItsDefaultsReachTheEffectiveTree) {
    auto root_node = root("{}\n");
    auto server = root_node.child("server");
    int port = 8080;
    server.read("port", port);
    EXPECT_NO_THROW(server.finish());
    EXPECT_EQ(port, 8080);
    EXPECT_EQ(effective_["server"]["port"].as<int>(), 8080);
}

TEST_F(ConfigNodeTest, KeysAndHas) {
    auto node = section("routes:\n  b: 1\n  a: 2\nempty:\n");
    EXPECT_TRUE(node.has("routes"));
    EXPECT_FALSE(node.has("empty"));
    EXPECT_FALSE(node.has("missing"));
    auto routes = node.child("routes");
    EXPECT_THAT(routes.keys(), UnorderedElementsAre("a", "b"));
}

TEST_F(ConfigNodeTest, KeyPathAndFail) {
    auto node = section("{}\n");
    EXPECT_EQ(node.key_path("port"), "server.port");
    EXPECT_EQ(root("{}\n").key_path("port"), "port");
    auto message = config_error_of([&] { node.fail("port", "out of range"); });
    EXPECT_EQ(message, "server.port: out of range");
}

// --- the effective tree --------------------------------------------------------------------------

TEST_F(ConfigNodeTest, EffectiveTreeHoldsGivenValuesAndDefaults) {
    auto root_node = root("server:\n  port: 9000\n  timeout: 2s\n");
    auto server = root_node.child("server");
    int port = 80;
    std::string host = "0.0.0.0";
    std::chrono::milliseconds timeout = 30s;
    ByteSize limit{1024};
    bool tls = false;
    std::vector<std::string> origins = {"x"};
    std::map<std::string, std::string> labels = {{"k", "v"}};
    server.read("port", port);
    server.read("host", host);
    server.read("timeout", timeout);
    server.read("limit", limit);
    server.read("tls", tls);
    server.read("origins", origins);
    server.read("labels", labels);

    YAML::Node out = effective_["server"];
    EXPECT_EQ(out["port"].as<int>(), 9000);
    EXPECT_EQ(out["host"].as<std::string>(), "0.0.0.0");
    EXPECT_EQ(out["timeout"].as<std::string>(), "2000ms");
    EXPECT_EQ(out["limit"].as<std::size_t>(), 1024u);
    EXPECT_FALSE(out["tls"].as<bool>());
    ASSERT_TRUE(out["origins"].IsSequence());
    EXPECT_EQ(out["origins"][0].as<std::string>(), "x");
    EXPECT_EQ(out["labels"]["k"].as<std::string>(), "v");
}

// --- items() and raw() ---------------------------------------------------------------------------

TEST_F(ConfigNodeTest, ItemsParseEachEntryWithItsOwnPath) {
    auto node = root("routes:\n  - {prefix: /a, timeout: 2s}\n  - {prefix: /b}\n");
    auto items = node.items("routes");
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].path(), "routes[0]");
    EXPECT_EQ(items[1].path(), "routes[1]");
    std::string prefix;
    std::chrono::milliseconds timeout = 30s;
    items[0].read("prefix", prefix);
    items[0].read("timeout", timeout);
    EXPECT_EQ(prefix, "/a");
    EXPECT_EQ(timeout, 2s);
    timeout = 30s;
    items[1].read("prefix", prefix);
    items[1].read("timeout", timeout);
    EXPECT_EQ(prefix, "/b");
    EXPECT_EQ(timeout, 30s);
    items[0].finish();
    items[1].finish();
    node.finish();
}

TEST_F(ConfigNodeTest, ItemsOfANestedSectionCarryTheFullPath) {
    auto node = section("keys:\n  - {kid: a, colour: blue}\n");
    auto items = node.items("keys");
    ASSERT_EQ(items.size(), 1u);
    std::string kid;
    items[0].read("kid", kid);
    auto message = config_error_of([&] { items[0].finish(); });
    EXPECT_THAT(message, HasSubstr("server.keys[0].colour: unknown key"));
    EXPECT_THAT(message, HasSubstr("kid"));
    EXPECT_THAT(config_error_of([&] { items[0].fail("kid", "is bad"); }), HasSubstr("server.keys[0].kid: is bad"));
}

TEST_F(ConfigNodeTest, ItemsKeepTheirKnownKeysApart) {
    // A key read from one entry does not make it acceptable in another.
    auto node = root("list:\n  - {a: 1}\n  - {b: 2}\n");
    auto items = node.items("list");
    ASSERT_EQ(items.size(), 2u);
    int value = 0;
    items[0].read("a", value);
    items[1].read("a", value);
    items[0].finish();
    EXPECT_THAT(config_error_of([&] { items[1].finish(); }), HasSubstr("list[1].b: unknown key"));
}

TEST_F(ConfigNodeTest, ItemsAbsentOrNullAreEmptyAndKnown) {
    auto node = root("a:\n");
    EXPECT_TRUE(node.items("a").empty());
    EXPECT_TRUE(node.items("b").empty());
    node.finish();
}

TEST_F(ConfigNodeTest, ItemsRejectAMapOrScalarEntries) {
    auto node = section("routes: {a: 1}\nkeys: [x]\n");
    EXPECT_THAT(config_error_of([&] { node.items("routes"); }), HasSubstr("server.routes: must be a list"));
    EXPECT_THAT(config_error_of([&] { node.items("keys"); }), HasSubstr("server.keys[0]: must be a mapping"));
}

TEST_F(ConfigNodeTest, ItemsWriteTheirValuesToTheEffectiveTree) {
    auto node = root("routes:\n  - {prefix: /a}\n  - {prefix: /b}\n");
    auto items = node.items("routes");
    ASSERT_EQ(items.size(), 2u);
    std::string prefix;
    int weight = 1;
    for (auto& item : items) {
        item.read("prefix", prefix);
        item.read("weight", weight);
    }
    YAML::Node out = effective_["routes"];
    ASSERT_TRUE(out.IsSequence());
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0]["prefix"].as<std::string>(), "/a");
    EXPECT_EQ(out[1]["prefix"].as<std::string>(), "/b");
    EXPECT_EQ(out[1]["weight"].as<int>(), 1);
}

TEST_F(ConfigNodeTest, RawReturnsTheValueAsWrittenAndMarksItKnown) {
    auto node = root("instances:\n  - \"h:1\"\n  - {address: \"h:2\", weight: 3}\n");
    YAML::Node raw = node.raw("instances");
    ASSERT_TRUE(raw.IsSequence());
    ASSERT_EQ(raw.size(), 2u);
    EXPECT_EQ(raw[0].as<std::string>(), "h:1");
    EXPECT_EQ(raw[1]["weight"].as<int>(), 3);
    node.finish();
    YAML::Node out = effective_["instances"];
    ASSERT_TRUE(out.IsSequence());
    EXPECT_EQ(out[1]["address"].as<std::string>(), "h:2");
}

TEST_F(ConfigNodeTest, RawEffectiveCopyIsIndependentOfTheSource) {
    auto node = root("labels: {a: b}\n");
    YAML::Node raw = node.raw("labels");
    raw["a"] = "changed";
    EXPECT_EQ(effective_["labels"]["a"].as<std::string>(), "b");
}

TEST_F(ConfigNodeTest, RawOfAnAbsentOrNullKeyIsUndefinedButKnown) {
    auto node = root("empty:\n");
    EXPECT_FALSE(node.raw("empty"));
    EXPECT_FALSE(node.raw("absent"));
    node.finish();
    EXPECT_FALSE(effective_["absent"].IsDefined());
}

}  // namespace
}  // namespace vg
