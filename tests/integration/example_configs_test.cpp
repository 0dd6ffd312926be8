// Every example configuration shipped in config/ must load with VisionGrid's own strict loader
// (unknown keys and bad values are errors), so the examples cannot rot as the code moves on.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/child_process.hpp"

namespace vg::test {
namespace {

TEST(ExampleConfigsTest, EveryExampleLoads) {
    const std::filesystem::path dir = std::filesystem::path(VG_SOURCE_DIR) / "config";
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".yaml") continue;
        // Secrets come from the environment in the examples; give them well-formed stand-ins.
        auto hash = run_command(VG_BINARY, {"gateway", "hash-key", "example-key"});
        ASSERT_EQ(hash.exit_code, 0) << hash.output;
        std::string stored = hash.output.substr(0, hash.output.find('\n'));
        auto result = run_command("/usr/bin/env", {"VG_CONSOLE_KEY_HASH=" + stored, VG_BINARY, "config", "print", "-c", entry.path().string()});
        EXPECT_EQ(result.exit_code, 0) << entry.path() << ":\n" << result.output;
        ++checked;
    }
    EXPECT_GE(checked, 2) << "no example configs found in " << dir;
}

TEST(ExampleConfigsTest, ATypoInAnExampleWouldBeCaught) {
    // The loader is strict: the same check fails for a misspelt key, so the test above means something.
    auto result = run_command(VG_BINARY, {"config", "print", "--set", "business.jobs.concurency=4"});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.output.find("business.jobs.concurency"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace vg::test
