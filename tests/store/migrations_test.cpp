#include "store/migrations.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "store/result_store.hpp"

namespace vg::store {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records what the runner asks for; `version` is what the database says.
class FakeTarget final : public MigrationTarget {
public:
    explicit FakeTarget(int start) : version(start) {}
    void ensure_migrations_table() override { table_ensured = true; }
    int current_version() override { return version; }
    bool apply(const Migration& step) override {
        applied.push_back(step.version);
        version = step.version;
        return true;
    }

    int version;
    bool table_ensured = false;
    std::vector<int> applied;
};

constexpr Migration kSteps[] = {{1, "one", "A"}, {2, "two", "B"}, {3, "three", "C"}};

TEST(MigrationsTest, AppliesEveryStepToANewDatabase) {
    FakeTarget target(0);
    EXPECT_EQ(migrate(target, kSteps, "fake"), 3);
    EXPECT_TRUE(target.table_ensured);
    EXPECT_THAT(target.applied, ElementsAre(1, 2, 3));
}

TEST(MigrationsTest, AppliesOnlyThePendingSteps) {
    FakeTarget target(2);
    EXPECT_EQ(migrate(target, kSteps, "fake"), 1);
    EXPECT_THAT(target.applied, ElementsAre(3));
    EXPECT_EQ(migrate(target, kSteps, "fake"), 0);
}

TEST(MigrationsTest, ANewerDatabaseNamesBothVersions) {
    FakeTarget target(7);
    try {
        migrate(target, kSteps, "fake");
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr("fake"), HasSubstr("version 7"), HasSubstr("(3)")));
    }
    EXPECT_TRUE(target.applied.empty());
}

// Released steps are numbered 1, 2, 3… in both backends, which move in step.
TEST(MigrationsTest, BackendStepsAreNumberedInOrder) {
    for (auto steps : {sqlite_migrations(), postgres_migrations()}) {
        ASSERT_FALSE(steps.empty());
        for (std::size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i].version, static_cast<int>(i + 1));
    }
    EXPECT_EQ(sqlite_migrations().size(), postgres_migrations().size());
}

}  // namespace
}  // namespace vg::store
