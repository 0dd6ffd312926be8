#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace vg::engine {

// Vision-encoder output per image, keyed by the hash of the pixels the encoder saw. Bounded in bytes,
// least recently used evicted first. A hit skips the vision encoder entirely. Thread-safe.
class EmbeddingCache {
public:
    using Embedding = std::shared_ptr<const std::vector<float>>;

    explicit EmbeddingCache(std::size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

    Embedding find(const std::string& key);
    void insert(const std::string& key, Embedding embedding);

    struct Stats {
        std::size_t entries = 0;
        std::size_t bytes = 0;
        std::size_t capacity_bytes = 0;
        std::size_t hits = 0;
        std::size_t misses = 0;
        std::size_t evictions = 0;
    };
    Stats stats() const;

private:
    struct Entry {
        std::string key;
        Embedding embedding;
    };
    static std::size_t size_of(const Embedding& e) { return e->size() * sizeof(float); }

    const std::size_t capacity_bytes_;
    mutable std::mutex mutex_;
    std::list<Entry> lru_;  // front: most recent
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
    std::size_t bytes_ = 0;
    std::size_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace vg::engine
