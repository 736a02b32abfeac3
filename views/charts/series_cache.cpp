#include "views/charts/series_cache.h"

#include <algorithm>
#include <limits>

namespace r1wb::views {

SeriesCache::SeriesCache(Store& store, size_t capacity) : store_(store), capacity_(std::max<size_t>(capacity, 1)) {}

std::shared_ptr<const MetricSeries> SeriesCache::get(int64_t run_id, const std::string& metric, ChartAxis axis,
                                                     double smoothing, int64_t x_offset) {
  Entry& e = entries_[{run_id, metric, axis, x_offset}];
  e.used = ++clock_;
  auto& s = e.series;
  if (s && s->points_read() > 0 && store_.count_metric_points(run_id, metric, s->last_step(), axis) != s->points_read())
    s.reset();
  if (!s) s = std::make_shared<MetricSeries>();
  s->set_smoothing(smoothing);
  const int64_t after = s->points_read() > 0 ? s->last_step() : std::numeric_limits<int64_t>::min();
  for (const auto& p : store_.metric_points(run_id, metric, after, axis)) s->append(p.step, p.x + x_offset, p.value);
  std::shared_ptr<const MetricSeries> out = s;
  evict_beyond_capacity();  // never the one just read: it is the most recent
  return out;
}

void SeriesCache::evict_beyond_capacity() {
  // A linear scan: the cache holds tens of series and one is read per series drawn.
  while (entries_.size() > capacity_) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                   [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    entries_.erase(oldest);
  }
}

void SeriesCache::drop_run(int64_t run_id) {
  for (auto it = entries_.begin(); it != entries_.end();)
    it = std::get<0>(it->first) == run_id ? entries_.erase(it) : std::next(it);
}

bool SeriesCache::holds(int64_t run_id, const std::string& metric, ChartAxis axis, int64_t x_offset) const {
  return entries_.count({run_id, metric, axis, x_offset}) > 0;
}

}  // namespace r1wb::views
