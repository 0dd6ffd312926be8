#include "core/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vg {
namespace {

using ::testing::HasSubstr;

// Runs `fn`, expects a ConfigError and returns its message for further checks.
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

ConfigSources from_text(std::string yaml) {
    ConfigSources sources;
    sources.yaml_text = std::move(yaml);
    return sources;
}

constexpr const char* kServerYaml = R"(
server:
  port: 8080
  host: 0.0.0.0
)";

// --- precedence: file < environment < --set -------------------------------------------------------

TEST(LoadConfigTest, FileValuesAreReadWhenNothingOverrides) {
    YAML::Node root = load_config(from_text(kServerYaml));
    EXPECT_EQ(root["server"]["port"].as<int>(), 8080);
    EXPECT_EQ(root["server"]["host"].as<std::string>(), "0.0.0.0");
}

TEST(LoadConfigTest, EnvironmentOverridesFile) {
    auto sources = from_text(kServerYaml);
    sources.environment = {{"VISIONGRID_SERVER__PORT", "9090"}};
    YAML::Node root = load_config(sources);
    EXPECT_EQ(root["server"]["port"].as<int>(), 9090);
    EXPECT_EQ(root["server"]["host"].as<std::string>(), "0.0.0.0");
}

TEST(LoadConfigTest, SetOverridesEnvironmentAndFile) {
    auto sources = from_text(kServerYaml);
    sources.environment = {{"VISIONGRID_SERVER__PORT", "9090"}};
    sources.set_overrides = {"server.port=7070"};
    YAML::Node root = load_config(sources);
    EXPECT_EQ(root["server"]["port"].as<int>(), 7070);
}

TEST(LoadConfigTest, LaterSetWinsOverEarlierSet) {
    auto sources = from_text(kServerYaml);
    sources.set_overrides = {"server.port=1", "server.port=2"};
    EXPECT_EQ(load_config(sources)["server"]["port"].as<int>(), 2);
}

TEST(LoadConfigTest, EnvironmentNamesWithoutDoubleUnderscoreAreNotOverrides) {
    auto sources = from_text(kServerYaml);
    sources.environment = {{"VISIONGRID_CONFIG", "/etc/visiongrid.yaml"}, {"VISIONGRID_PORT", "1"}};
    YAML::Node root = load_config(sources);
    EXPECT_FALSE(root["config"].IsDefined());
    EXPECT_FALSE(root["port"].IsDefined());
    EXPECT_EQ(root["server"]["port"].as<int>(), 8080);
}

TEST(LoadConfigTest, EnvironmentNamesWithoutPrefixAreIgnored) {
    auto sources = from_text(kServerYaml);
    sources.environment = {{"SERVER__PORT", "1"}, {"VISIONGRID_", "x"}};
    EXPECT_EQ(load_config(sources)["server"]["port"].as<int>(), 8080);
}

TEST(LoadConfigTest, EnvironmentOverrideCreatesNestedSections) {
    ConfigSources sources;
    sources.environment = {{"VISIONGRID_GATEWAY__TLS__CERT_FILE", "/certs/a.pem"}};
    YAML::Node root = load_config(sources);
    EXPECT_EQ(root["gateway"]["tls"]["cert_file"].as<std::string>(), "/certs/a.pem");
}

TEST(LoadConfigTest, OverrideValuesAreYamlTyped) {
    ConfigSources sources;
    sources.environment = {{"VISIONGRID_A__FLAG", "true"}, {"VISIONGRID_A__LIST", "[x, y]"}};
    sources.set_overrides = {"b.count=12", "b.name=plain text"};
    YAML::Node root = load_config(sources);
    EXPECT_TRUE(root["a"]["flag"].as<bool>());
    ASSERT_TRUE(root["a"]["list"].IsSequence());
    EXPECT_EQ(root["a"]["list"][1].as<std::string>(), "y");
    EXPECT_EQ(root["b"]["count"].as<int>(), 12);
    EXPECT_EQ(root["b"]["name"].as<std::string>(), "plain text");
}

TEST(LoadConfigTest, SetValueMayContainEqualsSign) {
    ConfigSources sources;
    sources.set_overrides = {"upstream.query=a=b"};
    EXPECT_EQ(load_config(sources)["upstream"]["query"].as<std::string>(), "a=b");
}

TEST(LoadConfigTest, EmptySourcesGiveAnEmptyMapping) {
    YAML::Node root = load_config(ConfigSources{});
    EXPECT_TRUE(root.IsMap());
    EXPECT_EQ(root.size(), 0u);
}

TEST(LoadConfigTest, ReadsAFile) {
    auto path = std::filesystem::path(::testing::TempDir()) / "visiongrid_config_test.yaml";
    {
        std::ofstream out(path);
        out << "server:\n  port: 1234\n";
    }
    ConfigSources sources;
    sources.file = path.string();
    EXPECT_EQ(load_config(sources)["server"]["port"].as<int>(), 1234);
    std::filesystem::remove(path);
}

TEST(LoadConfigTest, MissingFileIsAConfigErrorNamingIt) {
    ConfigSources sources;
    sources.file = "/nonexistent/dir/visiongrid.yaml";
    auto message = config_error_of([&] { load_config(sources); });
    EXPECT_THAT(message, HasSubstr("/nonexistent/dir/visiongrid.yaml"));
}

// --- errors in the sources -------------------------------------------------------------------------

TEST(LoadConfigTest, InvalidYamlIsAConfigError) {
    auto message = config_error_of([] { load_config(from_text("server: [1, 2\nport: {")); });
    EXPECT_THAT(message, HasSubstr("invalid YAML"));
}

// Found by fuzzing (tests/fuzz/corpus/fuzz_config/bad_anchor): the alias makes the tree a cycle, and
// walking it overflowed the stack, so `visiongrid -c` crashed instead of naming the problem.
TEST(LoadConfigTest, AliasInsideItsOwnAnchorIsAConfigError) {
    auto message = config_error_of([] { load_config(from_text("a: &x {b: *x}\n")); });
    EXPECT_THAT(message, HasSubstr("nested deeper than"));
    EXPECT_THAT(message, HasSubstr("a.b.b.b"));
}

TEST(LoadConfigTest, AliasesOfOtherNodesStillWork) {
    YAML::Node root = load_config(from_text("defaults: &d {port: 1}\nserver: *d\n"));
    EXPECT_EQ(root["server"]["port"].as<int>(), 1);
}

TEST(LoadConfigTest, TopLevelMustBeAMapping) {
    auto message = config_error_of([] { load_config(from_text("- a\n- b\n")); });
    EXPECT_THAT(message, HasSubstr("mapping"));
}

TEST(LoadConfigTest, SetWithoutEqualsIsRejected) {
    ConfigSources sources;
    sources.set_overrides = {"server.port"};
    auto message = config_error_of([&] { load_config(sources); });
    EXPECT_THAT(message, HasSubstr("server.port"));
}

TEST(LoadConfigTest, SetWithEmptyKeyIsRejected) {
    ConfigSources sources;
    sources.set_overrides = {"=5"};
    config_error_of([&] { load_config(sources); });
    sources.set_overrides = {"a..b=5"};
    config_error_of([&] { load_config(sources); });
    sources.set_overrides = {"a.=5"};
    config_error_of([&] { load_config(sources); });
}

TEST(LoadConfigTest, SetThroughAScalarIsRejected) {
    auto sources = from_text("a: 5\n");
    sources.set_overrides = {"a.b=1"};
    auto message = config_error_of([&] { load_config(sources); });
    EXPECT_THAT(message, HasSubstr("'a' is not a section"));
    EXPECT_THAT(message, HasSubstr("a.b=1"));
}

TEST(LoadConfigTest, EnvironmentThroughAScalarIsRejected) {
    auto sources = from_text("a: 5\n");
    sources.environment = {{"VISIONGRID_A__B", "1"}};
    auto message = config_error_of([&] { load_config(sources); });
    EXPECT_THAT(message, HasSubstr("VISIONGRID_A__B"));
}

TEST(LoadConfigTest, SetMayReplaceAScalarLeafWithAnotherScalar) {
    auto sources = from_text("a: 5\n");
    sources.set_overrides = {"a=6"};
    EXPECT_EQ(load_config(sources)["a"].as<int>(), 6);
}

// --- ${VAR} placeholders ---------------------------------------------------------------------------

TEST(LoadConfigTest, PlaceholderIsReplacedFromEnvironment) {
    auto sources = from_text("db:\n  host: ${DB_HOST}\n  url: \"postgres://${DB_HOST}:5432/vg\"\n");
    sources.environment = {{"DB_HOST", "db.internal"}};
    YAML::Node root = load_config(sources);
    EXPECT_EQ(root["db"]["host"].as<std::string>(), "db.internal");
    EXPECT_EQ(root["db"]["url"].as<std::string>(), "postgres://db.internal:5432/vg");
}

TEST(LoadConfigTest, PlaceholderDefaultIsUsedOnlyWhenUnset) {
    auto sources = from_text("server:\n  port: ${PORT:8080}\n  host: ${HOST:localhost}\n");
    sources.environment = {{"HOST", "example.org"}};
    YAML::Node root = load_config(sources);
    EXPECT_EQ(root["server"]["port"].as<int>(), 8080);
    EXPECT_EQ(root["server"]["host"].as<std::string>(), "example.org");
}

TEST(LoadConfigTest, DoubleDollarKeepsALiteralPlaceholder) {
    auto sources = from_text("template: \"$${HOME}/x\"\n");
    sources.environment = {{"HOME", "/root"}};
    EXPECT_EQ(load_config(sources)["template"].as<std::string>(), "${HOME}/x");
}

TEST(LoadConfigTest, UnsetPlaceholderWithoutDefaultNamesKeyPathAndVariable) {
    auto sources = from_text("db:\n  credentials:\n    password: ${DB_PASSWORD}\n");
    auto message = config_error_of([&] { load_config(sources); });
    EXPECT_THAT(message, HasSubstr("db.credentials.password"));
    EXPECT_THAT(message, HasSubstr("DB_PASSWORD"));
}

TEST(LoadConfigTest, UnsetPlaceholderInAListNamesTheIndex) {
    auto sources = from_text("upstreams:\n  - a\n  - ${SECOND}\n");
    auto message = config_error_of([&] { load_config(sources); });
    EXPECT_THAT(message, HasSubstr("upstreams[1]"));
}

TEST(LoadConfigTest, PlaceholderValueIsTakenAsTextNotAsYaml) {
    // A secret from the environment may contain YAML syntax; substituting it must not change its meaning.
    auto sources = from_text("db:\n  password: \"${DB_PASSWORD}\"\n  user: \"${DB_USER}\"\n");
    sources.environment = {{"DB_PASSWORD", "hunter2 #1"}, {"DB_USER", "admin: root"}};
    YAML::Node root = load_config(sources);
    ASSERT_TRUE(root["db"]["password"].IsScalar());
    EXPECT_EQ(root["db"]["password"].Scalar(), "hunter2 #1");
    ASSERT_TRUE(root["db"]["user"].IsScalar());
    EXPECT_EQ(root["db"]["user"].Scalar(), "admin: root");
}

TEST(ExpandPlaceholdersTest, ReplacesEveryPlaceholderInText) {
    std::map<std::string, std::string> env = {{"A", "1"}, {"B", "two"}};
    EXPECT_EQ(expand_placeholders("${A}-${B}-${C:3}", env), "1-two-3");
    EXPECT_EQ(expand_placeholders("no placeholders $ here", env), "no placeholders $ here");
    EXPECT_EQ(expand_placeholders("${C:}", env), "");
    EXPECT_EQ(expand_placeholders("${C:a:b}", env), "a:b");
}

TEST(ExpandPlaceholdersTest, EmptyValueInEnvironmentWinsOverDefault) {
    EXPECT_EQ(expand_placeholders("${A:fallback}", {{"A", ""}}), "");
}

TEST(ExpandPlaceholdersTest, EscapedPlaceholderIsNotExpanded) {
    EXPECT_EQ(expand_placeholders("$${A} ${A}", {{"A", "x"}}), "${A} x");
}

TEST(ExpandPlaceholdersTest, MalformedPlaceholdersAreErrors) {
    config_error_of([] { expand_placeholders("${A", {}); });
    config_error_of([] { expand_placeholders("${}", {}); });
    config_error_of([] { expand_placeholders("${:x}", {}); });
    auto message = config_error_of([] { expand_placeholders("${MISSING}", {}); });
    EXPECT_THAT(message, HasSubstr("MISSING"));
}

// --- secrets -------------------------------------------------------------------------------------

TEST(MaskSecretsTest, MasksSecretKeysAtAnyDepth) {
    YAML::Node config = YAML::Load(R"(
db:
  host: db.internal
  port: 5432
  user: admin
  password: hunter2
auth:
  token: abc
  upstream:
    api_key: k-123
    client_secret: s3cr3t
    Api_Key: mixed-case
)");
    YAML::Node masked = mask_secrets(config);
    EXPECT_EQ(masked["db"]["password"].as<std::string>(), "********");
    EXPECT_EQ(masked["auth"]["token"].as<std::string>(), "********");
    EXPECT_EQ(masked["auth"]["upstream"]["api_key"].as<std::string>(), "********");
    EXPECT_EQ(masked["auth"]["upstream"]["client_secret"].as<std::string>(), "********");
    EXPECT_EQ(masked["auth"]["upstream"]["Api_Key"].as<std::string>(), "********");

    EXPECT_EQ(masked["db"]["host"].as<std::string>(), "db.internal");
    EXPECT_EQ(masked["db"]["port"].as<int>(), 5432);
    EXPECT_EQ(masked["db"]["user"].as<std::string>(), "admin");
}

TEST(MaskSecretsTest, MasksListsAndSectionsUnderASecretKey) {
    YAML::Node config = YAML::Load(R"(
tokens: [a, b]
secrets:
  one: x
  nested: {two: y}
names: [a, b]
)");
    YAML::Node masked = mask_secrets(config);
    ASSERT_TRUE(masked["tokens"].IsSequence());
    ASSERT_EQ(masked["tokens"].size(), 2u);
    EXPECT_EQ(masked["tokens"][0].as<std::string>(), "********");
    EXPECT_EQ(masked["tokens"][1].as<std::string>(), "********");
    EXPECT_EQ(masked["secrets"]["one"].as<std::string>(), "********");
    EXPECT_EQ(masked["secrets"]["nested"]["two"].as<std::string>(), "********");
    EXPECT_EQ(masked["names"][0].as<std::string>(), "a");
}

TEST(MaskSecretsTest, LeavesTheOriginalUntouched) {
    YAML::Node config = YAML::Load("password: hunter2\n");
    YAML::Node masked = mask_secrets(config);
    EXPECT_EQ(masked["password"].as<std::string>(), "********");
    EXPECT_EQ(config["password"].as<std::string>(), "hunter2");
}

TEST(MaskSecretsTest, MaskedTextDoesNotContainTheSecret) {
    YAML::Node config = YAML::Load("a:\n  password: hunter2\n  host: h\n");
    std::string text = to_yaml(mask_secrets(config));
    EXPECT_THAT(text, ::testing::Not(HasSubstr("hunter2")));
    EXPECT_THAT(text, HasSubstr("host: h"));
}

TEST(ToYamlTest, RoundTrips) {
    YAML::Node config = YAML::Load("a:\n  b: 1\n  c: [x, y]\n");
    YAML::Node back = YAML::Load(to_yaml(config));
    EXPECT_EQ(back["a"]["b"].as<int>(), 1);
    EXPECT_EQ(back["a"]["c"][1].as<std::string>(), "y");
}

TEST(CurrentEnvironmentTest, ContainsAVariableOfThisProcess) {
    ASSERT_EQ(::setenv("VG_CONFIG_TEST_MARKER", "marker=value", 1), 0);
    auto env = current_environment();
    ::unsetenv("VG_CONFIG_TEST_MARKER");
    ASSERT_TRUE(env.contains("VG_CONFIG_TEST_MARKER"));
    EXPECT_EQ(env.at("VG_CONFIG_TEST_MARKER"), "marker=value");
}

}  // namespace
}  // namespace vg
