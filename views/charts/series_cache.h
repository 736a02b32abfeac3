// The chart panel's full-fidelity series of (run, metric, x axis), brought up to date from the
// store on every read: new steps are appended; a run whose earlier steps were replaced (a
// resume) is read again. At most capacity() series are kept; the least recently read goes
// first, so browsing many runs or metrics does not grow the window's memory without end (a
// series the chart still draws stays alive through its shared_ptr).
#pragma once
#include "core/series/metric_series.h"
#include "core/store/store.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>

namespace r1wb::views {

class SeriesCache {
 public:
  static constexpr size_t kDefaultCapacity = 64;
  explicit SeriesCache(Store& store, size_t capacity = kDefaultCapacity);

  //! The series of `metric` of `run_id` on `axis`, every point the store holds, smoothed with
  //! the EMA weight `smoothing` (0 is off), its x moved by `x_offset` (a later stage drawn after
  //! its ancestors).
  std::shared_ptr<const MetricSeries> get(int64_t run_id, const std::string& metric, ChartAxis axis, double smoothing,
                                          int64_t x_offset = 0);
  //! Forgets every series of a run (deleted from the store).
  void drop_run(int64_t run_id);
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }
  //! Whether (run, metric, axis) is held now, for tests.
  bool holds(int64_t run_id, const std::string& metric, ChartAxis axis, int64_t x_offset = 0) const;

 private:
  using Key = std::tuple<int64_t, std::string, ChartAxis, int64_t>;
  struct Entry {
    std::shared_ptr<MetricSeries> series;
    uint64_t used = 0;  // the read clock when last read
  };
  void evict_beyond_capacity();

  Store& store_;
  size_t capacity_;
  uint64_t clock_ = 0;
  std::map<Key, Entry> entries_;
};

}  // namespace r1wb::views
