#include "services/business/lease_keeper.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace vg::services::business {

LeaseKeeper::LeaseKeeper(store::JobStore& jobs, std::chrono::milliseconds lease, Logger log)
    : jobs_(jobs), lease_(lease), log_(std::move(log)), thread_([this] { loop(); }) {}

LeaseKeeper::~LeaseKeeper() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::unique_ptr<LeaseKeeper::Hold> LeaseKeeper::hold(const store::JobItem& item, const std::string& owner) {
    auto lost = std::make_shared<std::atomic<bool>>(false);
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    held_.emplace(id, Held{item, owner, lost});
    return std::make_unique<Hold>(*this, id, lost);
}

void LeaseKeeper::release(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    held_.erase(id);
}

void LeaseKeeper::loop() {
    // A third of a lease: two renewals can fail (a database hiccup) before the lease runs out.
    const auto period = std::max(std::chrono::milliseconds{1}, lease_ / 3);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, period, [this] { return stopping_; });
        if (stopping_) break;
        std::vector<Held> due;
        for (const auto& [id, held] : held_) due.push_back(held);
        lock.unlock();
        for (const auto& held : due) {
            try {
                if (!jobs_.renew(held.item, held.owner, lease_)) {
                    held.lost->store(true);
                    log_.warn("", "job item lease lost", nlohmann::json{{"job", held.item.job_id}, {"item", held.item.index}});
                }
            } catch (const std::exception& e) {
                // Not lost yet: the lease still runs, and the next renewal may get through.
                log_.error("", "renewing a job item lease failed", nlohmann::json{{"job", held.item.job_id}, {"error", e.what()}});
            }
        }
        lock.lock();
    }
}

}  // namespace vg::services::business
