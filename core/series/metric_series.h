// One run's metric as the chart shows it: every point in a SeriesPyramid and, with smoothing
// on, a second pyramid of the points' exponential moving average, both growing as points
// arrive. The average is TensorBoard's: ema = w * ema + (1 - w) * value, debiased by
// 1 - w^n so the first points are not pulled towards 0. The band stays the raw envelope, so
// smoothing never hides a spike; only the line is smoothed.
#pragma once
#include "core/series/series_pyramid.h"

#include <optional>

namespace r1wb {

class MetricSeries {
 public:
  //! Adds the point of `step` at `x` on the chart's axis (x non-decreasing; a point with an
  //! earlier x, e.g. a wall clock that stepped back, is not drawn and false is returned).
  bool append(int64_t step, int64_t x, double value);
  //! Points offered so far (drawn or not) and the last one's step: where the next read starts.
  int64_t points_read() const { return points_read_; }
  int64_t last_step() const { return last_step_; }
  //! Smoothing weight w in [0, 1): 0 is off. A new weight recomputes the average over all points.
  void set_smoothing(double weight);
  double smoothing() const { return weight_; }

  const SeriesPyramid& raw() const { return raw_; }
  //! The smoothed points, or null with smoothing off.
  const SeriesPyramid* smoothed() const { return smoothed_ ? &*smoothed_ : nullptr; }

 private:
  void smooth_append(int64_t x, double value);

  SeriesPyramid raw_;
  std::optional<SeriesPyramid> smoothed_;
  double weight_ = 0;
  double ema_ = 0, decay_ = 1;  // running average and w^n
  int64_t points_read_ = 0, last_step_ = 0;
};

}  // namespace r1wb
