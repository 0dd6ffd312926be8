#include "core/lru_cache.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace vg {
namespace {

using FloatCache = LruCache<std::vector<float>>;

FloatCache::Pointer floats(std::size_t n, float value) { return std::make_shared<const std::vector<float>>(n, value); }

// Inserts with the size the engine states for embeddings: their bytes.
void put(FloatCache& cache, const std::string& key, FloatCache::Pointer value) { cache.insert(key, value, value->size() * sizeof(float)); }

TEST(LruCacheTest, FindsWhatWasInsertedAndCountsHitsAndMisses) {
    FloatCache cache(1024);
    EXPECT_EQ(cache.find("a"), nullptr);
    put(cache, "a", floats(10, 1.5f));
    auto found = cache.find("a");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->size(), 10u);
    EXPECT_EQ((*found)[3], 1.5f);
    auto stats = cache.stats();
    EXPECT_EQ(stats.hits, 1u);
    EXPECT_EQ(stats.misses, 1u);
    EXPECT_EQ(stats.bytes, 40u);
}

TEST(LruCacheTest, EvictsLeastRecentlyUsedWhenOverBudget) {
    FloatCache cache(100 * sizeof(float));
    put(cache, "a", floats(40, 1));
    put(cache, "b", floats(40, 2));
    ASSERT_NE(cache.find("a"), nullptr);  // a is now more recent than b
    put(cache, "c", floats(40, 3));     // 120 floats > 100: the least recent (b) goes
    EXPECT_NE(cache.find("a"), nullptr);
    EXPECT_EQ(cache.find("b"), nullptr);
    EXPECT_NE(cache.find("c"), nullptr);
    EXPECT_EQ(cache.stats().evictions, 1u);
    EXPECT_LE(cache.stats().bytes, 100 * sizeof(float));
}

TEST(LruCacheTest, IgnoresAnEntryLargerThanTheWholeCache) {
    FloatCache cache(16);
    put(cache, "big", floats(100, 1));
    EXPECT_EQ(cache.find("big"), nullptr);
    EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(LruCacheTest, ReinsertReplacesWithoutDoubleCounting) {
    FloatCache cache(1024);
    put(cache, "a", floats(10, 1));
    put(cache, "a", floats(20, 2));
    EXPECT_EQ(cache.stats().entries, 1u);
    EXPECT_EQ(cache.stats().bytes, 80u);
    EXPECT_EQ((*cache.find("a"))[0], 2);
}

}  // namespace
}  // namespace vg
