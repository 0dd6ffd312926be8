#include "cli/progress_bar.hpp"

#include <gtest/gtest.h>

namespace vg::cli {
namespace {

using namespace std::chrono_literals;

ProgressSnapshot snapshot(std::string label, std::uint64_t done, std::optional<std::uint64_t> total, double rate,
                          ProgressUnit unit = ProgressUnit::kBytes, std::string extra = {}) {
    ProgressSnapshot s;
    s.label = std::move(label);
    s.done = done;
    s.total = total;
    s.rate = rate;
    s.unit = unit;
    s.extra = std::move(extra);
    return s;
}

TEST(ProgressBarTest, FormatsBytesInBinaryUnits) {
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(1023), "1023 B");
    EXPECT_EQ(format_bytes(1536), "1.50 KiB");
    EXPECT_EQ(format_bytes(8709519456), "8.11 GiB");
    EXPECT_EQ(format_bytes(150u << 20), "150 MiB");
}

TEST(ProgressBarTest, FormatsDurations) {
    EXPECT_EQ(format_duration(42s), "42s");
    EXPECT_EQ(format_duration(185s), "3m05s");
    EXPECT_EQ(format_duration(2h + 7min + 3s), "2h07m");
}

TEST(ProgressBarTest, EtaIsWhatIsLeftOverTheRate) {
    ProgressSnapshot s = snapshot("x", 250, 1000, 50);
    EXPECT_EQ(eta(s), 15s);
    s.rate = 0;
    EXPECT_EQ(eta(s), std::nullopt);
    s.rate = 50;
    s.total.reset();
    EXPECT_EQ(eta(s), std::nullopt);
    s.total = 250;
    EXPECT_EQ(eta(s), std::nullopt);  // finished
}

TEST(ProgressBarTest, ABarShowsPercentAmountsRateAndEta) {
    ProgressSnapshot s = snapshot("model.gguf", 512u << 20, 1024u << 20, 64u << 20);
    const std::string line = render_progress_bar(s, 100);
    EXPECT_LE(line.size(), 100u);
    EXPECT_NE(line.find("model.gguf ["), std::string::npos) << line;
    EXPECT_NE(line.find("50%"), std::string::npos) << line;
    EXPECT_NE(line.find("512 MiB/1.00 GiB"), std::string::npos) << line;
    EXPECT_NE(line.find("64.0 MiB/s"), std::string::npos) << line;
    EXPECT_NE(line.find("ETA 8s"), std::string::npos) << line;
    // Half the bar is filled.
    const auto open = line.find('['), close = line.find(']');
    const std::string bar = line.substr(open + 1, close - open - 1);
    EXPECT_EQ(std::count(bar.begin(), bar.end(), '='), static_cast<long>(bar.size() / 2));
}

TEST(ProgressBarTest, ANarrowTerminalLosesTheBarNotTheFacts) {
    ProgressSnapshot s = snapshot("batch", 3, 10, 1.5, ProgressUnit::kItems, "1 failed");
    const std::string narrow = render_progress_bar(s, 50);
    EXPECT_EQ(narrow.find('['), std::string::npos) << narrow;
    EXPECT_NE(narrow.find("3/10 items"), std::string::npos) << narrow;
    EXPECT_LE(narrow.size(), 50u);
    EXPECT_EQ(render_progress_text(s), "batch: 30%  3/10 items  1.5/s  ETA 5s  1 failed");
}

TEST(ProgressBarTest, UnknownTotalsShowWhatIsKnown) {
    ProgressSnapshot s = snapshot("f", 2048, std::nullopt, 0);
    EXPECT_EQ(render_progress_text(s), "f: 2.00 KiB");
}

TEST(ProgressBarTest, RateMeterAveragesOverItsWindow) {
    RateMeter meter(5s);
    const auto t0 = RateMeter::Clock::time_point{};
    meter.add(t0, 0);
    EXPECT_EQ(meter.rate(), 0);
    meter.add(t0 + 1s, 100);
    meter.add(t0 + 2s, 200);
    EXPECT_DOUBLE_EQ(meter.rate(), 100);
    // Old samples leave the window: the rate follows the recent speed.
    meter.add(t0 + 10s, 1200);
    meter.add(t0 + 11s, 2200);
    EXPECT_DOUBLE_EQ(meter.rate(), 1000);
}

}  // namespace
}  // namespace vg::cli
