#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace vg::services::business {

// One job item announced on the queue. `entry` is the queue's own name for the announcement.
struct QueuedItem {
    std::string job_id;
    int index = 0;
    std::string entry;
};

// Hands job items to the business replicas that share a job store, so they split the work without
// polling the database. The job store stays the truth: a replica leases the item an entry names
// before working on it, so a duplicate or stale entry costs one failed lease, never a second run.
// Implementations are thread-safe; take() blocks, so each worker thread calls it for itself.
class JobQueue {
public:
    virtual ~JobQueue() = default;

    // Announces items of a job. Throws std::runtime_error when the queue cannot take them (the items
    // are still in the store, where the runners' periodic sweep finds them).
    virtual void publish(const std::string& job_id, const std::vector<int>& indexes) = 0;
    // Waits up to `wait` for an item for `consumer`: first one that another consumer took and has not
    // acknowledged for `stale_after` (it died), else a new one. nullopt when none came. Throws
    // std::runtime_error when the queue cannot be reached.
    virtual std::optional<QueuedItem> take(const std::string& consumer, std::chrono::milliseconds wait,
                                           std::chrono::milliseconds stale_after) = 0;
    // The item was dealt with (finished, given back to the store, or someone else holds it).
    virtual void ack(const QueuedItem& item) = 0;
};

}  // namespace vg::services::business
