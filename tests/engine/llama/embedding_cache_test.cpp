#include "engine/llama/embedding_cache.hpp"

#include <gtest/gtest.h>

namespace vg::engine {
namespace {

EmbeddingCache::Embedding floats(std::size_t n, float value) { return std::make_shared<const std::vector<float>>(n, value); }

TEST(EmbeddingCacheTest, FindsWhatWasInsertedAndCountsHitsAndMisses) {
    EmbeddingCache cache(1024);
    EXPECT_EQ(cache.find("a"), nullptr);
    cache.insert("a", floats(10, 1.5f));
    auto found = cache.find("a");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->size(), 10u);
    EXPECT_EQ((*found)[3], 1.5f);
    auto stats = cache.stats();
    EXPECT_EQ(stats.hits, 1u);
    EXPECT_EQ(stats.misses, 1u);
    EXPECT_EQ(stats.bytes, 40u);
}

TEST(EmbeddingCacheTest, EvictsLeastRecentlyUsedWhenOverBudget) {
    EmbeddingCache cache(100 * sizeof(float));
    cache.insert("a", floats(40, 1));
    cache.insert("b", floats(40, 2));
    ASSERT_NE(cache.find("a"), nullptr);  // a is now more recent than b
    cache.insert("c", floats(40, 3));     // 120 floats > 100: the least recent (b) goes
    EXPECT_NE(cache.find("a"), nullptr);
    EXPECT_EQ(cache.find("b"), nullptr);
    EXPECT_NE(cache.find("c"), nullptr);
    EXPECT_EQ(cache.stats().evictions, 1u);
    EXPECT_LE(cache.stats().bytes, 100 * sizeof(float));
}

TEST(EmbeddingCacheTest, IgnoresAnEntryLargerThanTheWholeCache) {
    EmbeddingCache cache(16);
    cache.insert("big", floats(100, 1));
    EXPECT_EQ(cache.find("big"), nullptr);
    EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(EmbeddingCacheTest, ReinsertReplacesWithoutDoubleCounting) {
    EmbeddingCache cache(1024);
    cache.insert("a", floats(10, 1));
    cache.insert("a", floats(20, 2));
    EXPECT_EQ(cache.stats().entries, 1u);
    EXPECT_EQ(cache.stats().bytes, 80u);
    EXPECT_EQ((*cache.find("a"))[0], 2);
}

}  // namespace
}  // namespace vg::engine
