#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vg::services::monitor {

struct Point {
    std::int64_t time_ms = 0;  // Unix milliseconds
    double value = 0;
};

// The newest `capacity` points of one series, oldest overwritten first. Memory grows with the points
// actually held, up to capacity × 16 bytes. Not thread-safe (the SeriesStore locks).
class PointRing {
public:
    explicit PointRing(std::size_t capacity);

    // Points must come in time order; one not newer than the last is ignored (returns false).
    bool push(Point point);
    std::size_t size() const { return points_.size(); }
    bool empty() const { return points_.empty(); }
    bool wrapped() const { return wrapped_; }  // an old point has been overwritten
    const Point& oldest() const;
    const Point& newest() const;
    // The points at or after `since_ms`, oldest first.
    std::vector<Point> since(std::int64_t since_ms) const;

private:
    std::size_t capacity_;
    std::vector<Point> points_;
    std::size_t head_ = 0;  // index of the oldest point once full
    bool wrapped_ = false;
};

}  // namespace vg::services::monitor
