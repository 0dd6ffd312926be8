#include "services/monitor/alert.hpp"

#include <gtest/gtest.h>

namespace vg::services::monitor {
namespace {

// FNV-1a 64 over "alertname\xffInstanceDown\xff", computed here byte by byte from the published
// constants, independently of the code under test.
std::string reference_fingerprint(const std::string& bytes) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

TEST(FingerprintTest, IsAlertmanagersLabelSetHash) {
    EXPECT_EQ(fingerprint({}), "cbf29ce484222325") << "the FNV-1a offset basis, as Prometheus' emptyLabelSignature";
    const std::string sep = "\xff";
    EXPECT_EQ(fingerprint({{"alertname", "InstanceDown"}}),
              reference_fingerprint("alertname" + sep + "InstanceDown" + sep));
    EXPECT_EQ(fingerprint({{"b", "2"}, {"a", "1"}}),
              reference_fingerprint("a" + sep + "1" + sep + "b" + sep + "2" + sep))
        << "labels in name order";
    EXPECT_NE(fingerprint({{"a", "1b"}}), fingerprint({{"a1", "b"}})) << "the separator keeps names and values apart";
}

TEST(FillTemplateTest, FillsLabelsAndValue) {
    const LabelMap labels{{"instance", "10.0.0.7:8081"}, {"role", "model"}};
    EXPECT_EQ(fill_template("{{ $labels.instance }} ({{$labels.role}}) at {{ $value }}", labels, 0.0834567),
              "10.0.0.7:8081 (model) at 0.08346");
    EXPECT_EQ(fill_template("{{ $labels.missing }}|{{ $value }}|{{ other }}|{{ open", labels, std::nullopt),
              "||{{ other }}|{{ open");
}

}  // namespace
}  // namespace vg::services::monitor
