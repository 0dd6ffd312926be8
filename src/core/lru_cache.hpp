#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vg {

// Immutable values by string key, bounded in bytes (the caller states each value's size), least
// recently used evicted first. Values are shared: an evicted one lives on while someone holds it.
// Thread-safe.
template <class Value>
class LruCache {
public:
    using Pointer = std::shared_ptr<const Value>;

    explicit LruCache(std::size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

    Pointer find(const std::string& key) {
        std::lock_guard lock(mutex_);
        auto it = index_.find(key);
        if (it == index_.end()) {
            ++misses_;
            return nullptr;
        }
        ++hits_;
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->value;
    }

    void insert(const std::string& key, Pointer value, std::size_t bytes) {
        if (!value || bytes > capacity_bytes_) return;  // would evict everything for nothing
        std::lock_guard lock(mutex_);
        if (auto it = index_.find(key); it != index_.end()) {
            bytes_ -= it->second->bytes;
            lru_.erase(it->second);
            index_.erase(it);
        }
        bytes_ += bytes;
        lru_.push_front(Entry{key, std::move(value), bytes});
        index_[key] = lru_.begin();
        while (bytes_ > capacity_bytes_ && !lru_.empty()) {
            auto& victim = lru_.back();
            bytes_ -= victim.bytes;
            index_.erase(victim.key);
            lru_.pop_back();
            ++evictions_;
        }
    }

    struct Stats {
        std::size_t entries = 0;
        std::size_t bytes = 0;
        std::size_t capacity_bytes = 0;
        std::size_t hits = 0;
        std::size_t misses = 0;
        std::size_t evictions = 0;
    };
    Stats stats() const {
        std::lock_guard lock(mutex_);
        return Stats{index_.size(), bytes_, capacity_bytes_, hits_, misses_, evictions_};
    }

private:
    struct Entry {
        std::string key;
        Pointer value;
        std::size_t bytes;
    };

    const std::size_t capacity_bytes_;
    mutable std::mutex mutex_;
    std::list<Entry> lru_;  // front: most recent
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
    std::size_t bytes_ = 0;
    std::size_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace vg
