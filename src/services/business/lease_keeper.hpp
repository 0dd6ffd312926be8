#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/logging.hpp"
#include "store/job_store.hpp"

namespace vg::services::business {

// Keeps the leases of job items in progress alive, so an item that takes longer than one lease (a
// slow model, a long queue) is not taken by another worker while this one still works on it. Every
// third of a lease it renews each held item; one whose renewal is refused was lost (another worker
// owns it now) and its holder is told to give up, so the item is never finished twice.
class LeaseKeeper {
public:
    LeaseKeeper(store::JobStore& jobs, std::chrono::milliseconds lease, Logger log);
    ~LeaseKeeper();
    LeaseKeeper(const LeaseKeeper&) = delete;
    LeaseKeeper& operator=(const LeaseKeeper&) = delete;

    // The item stays renewed while its Hold lives.
    class Hold {
    public:
        Hold(LeaseKeeper& keeper, std::uint64_t id, std::shared_ptr<std::atomic<bool>> lost)
            : keeper_(keeper), id_(id), lost_(std::move(lost)) {}
        ~Hold() { keeper_.release(id_); }
        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;
        bool lost() const { return lost_->load(); }

    private:
        LeaseKeeper& keeper_;
        std::uint64_t id_;
        std::shared_ptr<std::atomic<bool>> lost_;
    };

    std::unique_ptr<Hold> hold(const store::JobItem& item, const std::string& owner);

private:
    struct Held {
        store::JobItem item;
        std::string owner;
        std::shared_ptr<std::atomic<bool>> lost;
    };

    void release(std::uint64_t id);
    void loop();

    store::JobStore& jobs_;
    const std::chrono::milliseconds lease_;
    Logger log_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::map<std::uint64_t, Held> held_;
    std::uint64_t next_id_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace vg::services::business
