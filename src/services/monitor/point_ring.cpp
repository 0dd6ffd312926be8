#include "services/monitor/point_ring.hpp"

#include <stdexcept>

namespace vg::services::monitor {

PointRing::PointRing(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("a point ring needs a capacity of at least 1");
}

bool PointRing::push(Point point) {
    if (!points_.empty() && point.time_ms <= newest().time_ms) return false;
    if (points_.size() < capacity_) {
        points_.push_back(point);
        return true;
    }
    points_[head_] = point;
    head_ = (head_ + 1) % capacity_;
    wrapped_ = true;
    return true;
}

const Point& PointRing::oldest() const {
    return points_.size() < capacity_ ? points_.front() : points_[head_];
}

const Point& PointRing::newest() const {
    if (points_.size() < capacity_) return points_.back();
    return points_[(head_ + capacity_ - 1) % capacity_];
}

std::vector<Point> PointRing::since(std::int64_t since_ms) const {
    std::vector<Point> out;
    const std::size_t n = points_.size();
    const std::size_t first = n < capacity_ ? 0 : head_;
    for (std::size_t i = 0; i < n; ++i) {
        const Point& p = points_[(first + i) % n];
        if (p.time_ms >= since_ms) out.push_back(p);
    }
    return out;
}

}  // namespace vg::services::monitor
