// Rule evaluation with time moved by hand: pending → firing after `for:`, resolved when the condition
// ends, pending dropped, per-rule role filters, and figures compared with thresholds.
#include "services/monitor/alert_evaluator.hpp"

#include <gtest/gtest.h>

#include <map>

namespace vg::services::monitor {
namespace {

using namespace std::chrono_literals;

// Facts a test sets by hand.
class TableFacts : public AlertFacts {
public:
    std::vector<InstanceFacts> instances() const override { return instances_; }
    std::optional<double> figure(Figure figure, const std::string& instance,
                                 std::chrono::milliseconds window) const override {
        last_window = window;
        auto it = figures_.find({figure, instance});
        return it == figures_.end() ? std::nullopt : std::optional<double>(it->second);
    }

    std::vector<InstanceFacts> instances_;
    std::map<std::pair<Figure, std::string>, double> figures_;
    mutable std::chrono::milliseconds last_window{0};
};

AlertRule rule(std::string name, AlertKind kind, std::chrono::milliseconds for_duration, double threshold = 0) {
    AlertRule r;
    r.name = std::move(name);
    r.kind = kind;
    r.for_duration = for_duration;
    r.threshold = threshold;
    r.severity = "critical";
    r.annotations["summary"] = "{{ $labels.instance }} is {{ $value }}";
    return r;
}

class AlertEvaluatorTest : public ::testing::Test {
protected:
    AlertEvaluatorTest() : clock_(steady_, kStart) {
        facts_.instances_ = {{"m:1", "model", true, true, true, std::nullopt},
                             {"g:1", "gateway", true, true, true, std::nullopt}};
    }

    InstanceFacts& instance(const std::string& id) {
        for (auto& i : facts_.instances_) {
            if (i.instance == id) return i;
        }
        throw std::logic_error("no instance " + id);
    }

    std::vector<Alert> step(AlertEvaluator& evaluator, std::chrono::milliseconds advance) {
        steady_.advance(advance);
        evaluator.evaluate(facts_);
        return evaluator.alerts();
    }

    static constexpr std::int64_t kStart = 1'700'000'000'000;
    cluster::FakeClock steady_;
    MonitorClock clock_;
    TableFacts facts_;
};

TEST_F(AlertEvaluatorTest, GoesPendingThenFiringAfterForThenResolved) {
    AlertEvaluator evaluator({rule("InstanceDown", AlertKind::kInstanceDown, 15s)}, clock_);
    EXPECT_TRUE(step(evaluator, 0s).empty());

    instance("m:1").up = false;
    auto alerts = step(evaluator, 5s);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].state, AlertState::kPending);
    EXPECT_EQ(alerts[0].active_since_ms, kStart + 5000);
    EXPECT_EQ(alerts[0].labels.at("instance"), "m:1");
    EXPECT_EQ(alerts[0].labels.at("role"), "model");
    EXPECT_EQ(alerts[0].labels.at("alertname"), "InstanceDown");
    EXPECT_EQ(alerts[0].labels.at("severity"), "critical");
    EXPECT_EQ(alerts[0].annotations.at("summary"), "m:1 is 0");
    EXPECT_EQ(alerts[0].fingerprint, fingerprint(alerts[0].labels));

    EXPECT_EQ(step(evaluator, 14s).at(0).state, AlertState::kPending) << "14 s of the 15 s";
    alerts = step(evaluator, 1s);
    EXPECT_EQ(alerts.at(0).state, AlertState::kFiring) << "held for 15 s";
    EXPECT_EQ(alerts[0].fired_at_ms, kStart + 20'000);
    EXPECT_EQ(evaluator.count(AlertState::kFiring), 1u);

    instance("m:1").up = true;
    alerts = step(evaluator, 5s);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].state, AlertState::kResolved);
    EXPECT_EQ(alerts[0].resolved_at_ms, kStart + 25'000);
    EXPECT_EQ(alerts[0].active_since_ms, kStart + 5000) << "the occurrence keeps its start";
}

TEST_F(AlertEvaluatorTest, APendingAlertThatClearsIsDropped) {
    AlertEvaluator evaluator({rule("InstanceDown", AlertKind::kInstanceDown, 15s)}, clock_);
    instance("m:1").up = false;
    EXPECT_EQ(step(evaluator, 1s).size(), 1u);
    instance("m:1").up = true;
    EXPECT_TRUE(step(evaluator, 10s).empty());
    instance("m:1").up = false;
    auto alerts = step(evaluator, 10s);
    EXPECT_EQ(alerts.at(0).state, AlertState::kPending) << "the `for:` clock starts again";
    EXPECT_EQ(step(evaluator, 14s).at(0).state, AlertState::kPending);
}

TEST_F(AlertEvaluatorTest, ForZeroFiresAtOnce) {
    AlertEvaluator evaluator({rule("InstanceDown", AlertKind::kInstanceDown, 0s)}, clock_);
    instance("g:1").up = false;
    EXPECT_EQ(step(evaluator, 1s).at(0).state, AlertState::kFiring);
}

TEST_F(AlertEvaluatorTest, ResolvedAlertsAreKeptForAWhileThenForgotten) {
    AlertEvaluator evaluator({rule("InstanceDown", AlertKind::kInstanceDown, 0s)}, clock_, 10min);
    instance("m:1").up = false;
    step(evaluator, 1s);
    instance("m:1").up = true;
    EXPECT_EQ(step(evaluator, 1s).at(0).state, AlertState::kResolved);
    EXPECT_EQ(step(evaluator, 9min).size(), 1u);
    EXPECT_TRUE(step(evaluator, 1min).empty());
}

TEST_F(AlertEvaluatorTest, FiringAgainAfterResolutionIsANewOccurrence) {
    AlertEvaluator evaluator({rule("InstanceDown", AlertKind::kInstanceDown, 0s)}, clock_);
    instance("m:1").up = false;
    step(evaluator, 1s);
    instance("m:1").up = true;
    step(evaluator, 1s);
    instance("m:1").up = false;
    auto alerts = step(evaluator, 1s);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].state, AlertState::kFiring);
    EXPECT_EQ(alerts[0].active_since_ms, kStart + 3000);
    EXPECT_FALSE(alerts[0].resolved_at_ms);
}

TEST_F(AlertEvaluatorTest, AnInstanceThatLeftResolvesItsAlerts) {
    AlertEvaluator evaluator({rule("InstanceDown", AlertKind::kInstanceDown, 0s)}, clock_);
    instance("m:1").up = false;
    step(evaluator, 1s);
    facts_.instances_.erase(facts_.instances_.begin());
    EXPECT_EQ(step(evaluator, 1s).at(0).state, AlertState::kResolved);
}

TEST_F(AlertEvaluatorTest, NoVerdictBeforeTheFirstScrape) {
    AlertEvaluator evaluator(
        {rule("InstanceDown", AlertKind::kInstanceDown, 0s), rule("NotReady", AlertKind::kNotReady, 0s)}, clock_);
    instance("m:1") = {"m:1", "model", false, false, false, std::nullopt};
    EXPECT_TRUE(step(evaluator, 1s).empty());
}

TEST_F(AlertEvaluatorTest, NotReadyOnlyWhenUp) {
    AlertEvaluator evaluator({rule("NotReady", AlertKind::kNotReady, 0s)}, clock_);
    instance("m:1").ready = false;
    instance("g:1").ready = false;
    instance("g:1").up = false;  // down: instance_down's business, not not_ready's
    auto alerts = step(evaluator, 1s);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].labels.at("instance"), "m:1");
}

TEST_F(AlertEvaluatorTest, BreakerOpen) {
    AlertEvaluator evaluator({rule("BreakerOpen", AlertKind::kBreakerOpen, 0s)}, clock_);
    instance("m:1").breaker = "half_open";
    EXPECT_TRUE(step(evaluator, 1s).empty());
    instance("m:1").breaker = "open";
    EXPECT_EQ(step(evaluator, 1s).at(0).value, 1);
}

TEST_F(AlertEvaluatorTest, FiguresAgainstThresholdsOverTheRulesWindow) {
    AlertRule errors = rule("HighErrorRatio", AlertKind::kErrorRatio, 0s, 0.05);
    errors.window = 2min;
    AlertRule latency = rule("Slow", AlertKind::kP99Latency, 0s, 2000);
    AlertRule queue = rule("Queue", AlertKind::kQueueSaturation, 0s, 10);
    queue.role = "model";
    AlertRule cache = rule("Cache", AlertKind::kCacheHitRatioCollapse, 0s, 0.2);
    AlertEvaluator evaluator({errors, latency, queue, cache}, clock_);

    facts_.figures_[{Figure::kErrorRatio, "m:1"}] = 0.05;  // not above
    facts_.figures_[{Figure::kP99Ms, "m:1"}] = 2500;
    facts_.figures_[{Figure::kQueueDepth, "m:1"}] = 11;
    facts_.figures_[{Figure::kQueueDepth, "g:1"}] = 50;  // a gateway: the rule is for models
    facts_.figures_[{Figure::kImageCacheHitRatio, "m:1"}] = 0.1;
    auto alerts = step(evaluator, 1s);
    std::map<std::string, double> fired;
    for (const auto& a : alerts) fired[a.name + "@" + a.labels.at("instance")] = *a.value;
    EXPECT_EQ(fired, (std::map<std::string, double>{{"Cache@m:1", 0.1}, {"Queue@m:1", 11}, {"Slow@m:1", 2500}}));

    facts_.figures_[{Figure::kErrorRatio, "m:1"}] = 0.06;
    facts_.figures_.erase({Figure::kImageCacheHitRatio, "m:1"});  // no lookups: no verdict, resolves
    alerts = step(evaluator, 1s);
    std::map<std::string, std::string> states;
    for (const auto& a : alerts) states[a.name] = std::string(state_name(a.state));
    EXPECT_EQ(states["HighErrorRatio"], "firing");
    EXPECT_EQ(states["Cache"], "resolved");
}

TEST_F(AlertEvaluatorTest, AskedForTheRulesWindow) {
    AlertRule errors = rule("HighErrorRatio", AlertKind::kErrorRatio, 0s, 0.05);
    errors.window = 7min;
    AlertEvaluator evaluator({errors}, clock_);
    facts_.instances_.resize(1);
    step(evaluator, 1s);
    EXPECT_EQ(facts_.last_window, 7min);
}

TEST_F(AlertEvaluatorTest, ADownInstanceIsNotJudgedOnFigures) {
    AlertEvaluator evaluator({rule("Queue", AlertKind::kQueueSaturation, 0s, 1)}, clock_);
    facts_.figures_[{Figure::kQueueDepth, "m:1"}] = 5;
    instance("m:1").up = false;
    EXPECT_TRUE(step(evaluator, 1s).empty());
}

TEST_F(AlertEvaluatorTest, ValueAndAnnotationsFollowTheCondition) {
    AlertEvaluator evaluator({rule("Queue", AlertKind::kQueueSaturation, 30s, 1)}, clock_);
    facts_.figures_[{Figure::kQueueDepth, "m:1"}] = 5;
    step(evaluator, 1s);
    facts_.figures_[{Figure::kQueueDepth, "m:1"}] = 9;
    auto alerts = step(evaluator, 1s);
    EXPECT_EQ(alerts.at(0).value, 9);
    EXPECT_EQ(alerts.at(0).annotations.at("summary"), "m:1 is 9");
}

}  // namespace
}  // namespace vg::services::monitor
