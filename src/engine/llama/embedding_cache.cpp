#include "engine/llama/embedding_cache.hpp"

namespace vg::engine {

EmbeddingCache::Embedding EmbeddingCache::find(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) {
        ++misses_;
        return nullptr;
    }
    ++hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->embedding;
}

void EmbeddingCache::insert(const std::string& key, Embedding embedding) {
    if (!embedding || size_of(embedding) > capacity_bytes_) return;  // would evict everything for nothing
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
        bytes_ -= size_of(it->second->embedding);
        lru_.erase(it->second);
        index_.erase(it);
    }
    bytes_ += size_of(embedding);
    lru_.push_front(Entry{key, std::move(embedding)});
    index_[key] = lru_.begin();
    while (bytes_ > capacity_bytes_ && !lru_.empty()) {
        auto& victim = lru_.back();
        bytes_ -= size_of(victim.embedding);
        index_.erase(victim.key);
        lru_.pop_back();
        ++evictions_;
    }
}

EmbeddingCache::Stats EmbeddingCache::stats() const {
    std::lock_guard lock(mutex_);
    return Stats{index_.size(), bytes_, capacity_bytes_, hits_, misses_, evictions_};
}

}  // namespace vg::engine
