// A metric series at full fidelity for charts: every (x, value) point is kept, with a
// min/max pyramid over them (level l holds the min and max of each aligned block of 2^(l+1)
// points) and prefix sums. Any x-range then splits into per-pixel buckets in
// O(buckets * log n), whatever the number of points, and each bucket's min and max are exact:
// nothing is sampled away, so a one-step spike in a million points still shows.
// x is whatever the chart's axis is (step, tokens, wall-clock ms), non-decreasing.
// Appending is O(log n), so a live run's series grows in place.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace r1wb {

//! One bucket of a downsampled series: the x range it covers (first and last point's x,
//! named for the usual axis) and the exact envelope and mean of its points.
struct SeriesPoint {
  int64_t step_lo = 0, step_hi = 0;
  double min = 0, max = 0, mean = 0;
  int64_t count = 0;
};

class SeriesPyramid {
 public:
  //! Adds a point; x must not be below the last one (returns false and ignores it if so).
  bool append(int64_t x, double value);
  size_t size() const { return x_.size(); }
  int64_t x(size_t i) const { return x_[i]; }
  double value(size_t i) const { return y_[i]; }
  int64_t x_first() const { return x_.front(); }
  int64_t x_last() const { return x_.back(); }

  //! The points with x in [x_lo, x_hi] in at most `buckets` equal-width x slices; empty
  //! slices are left out. SeriesPoint's step_lo/step_hi hold the bucket's first and last x.
  std::vector<SeriesPoint> buckets(int64_t x_lo, int64_t x_hi, int buckets) const;

 private:
  struct MinMax {
    double min, max;
  };
  //! Exact min and max of points [i, j), j > i.
  MinMax range(size_t i, size_t j) const;

  std::vector<int64_t> x_;
  std::vector<double> y_;
  std::vector<double> prefix_;  // prefix_[i] = sum of y_[0 .. i)
  std::vector<std::vector<MinMax>> levels_;
};

}  // namespace r1wb
