#pragma once

#include <string>
#include <vector>

#include "core/lru_cache.hpp"

namespace vg::engine {

// Vision-encoder output per image, keyed by the hash of the pixels the encoder saw. A hit skips
// the vision encoder entirely. Thread-safe.
class EmbeddingCache : public LruCache<std::vector<float>> {
public:
    using Embedding = Pointer;
    using LruCache::LruCache;
    using LruCache::insert;

    void insert(const std::string& key, Embedding embedding) {
        if (embedding) insert(key, embedding, embedding->size() * sizeof(float));
    }
};

}  // namespace vg::engine
