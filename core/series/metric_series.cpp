#include "core/series/metric_series.h"

#include <algorithm>

namespace r1wb {

bool MetricSeries::append(int64_t step, int64_t x, double value) {
  ++points_read_;
  last_step_ = step;
  if (!raw_.append(x, value)) return false;
  if (smoothed_) smooth_append(x, value);
  return true;
}

void MetricSeries::smooth_append(int64_t x, double value) {
  ema_ = weight_ * ema_ + (1 - weight_) * value;
  decay_ *= weight_;
  smoothed_->append(x, ema_ / (1 - decay_));
}

void MetricSeries::set_smoothing(double weight) {
  weight = std::clamp(weight, 0.0, 0.999);
  if (weight == weight_ && (weight == 0) == !smoothed_) return;
  weight_ = weight;
  smoothed_.reset();
  if (weight_ == 0) return;
  smoothed_.emplace();
  ema_ = 0, decay_ = 1;
  for (size_t i = 0; i < raw_.size(); ++i) smooth_append(raw_.x(i), raw_.value(i));
}

}  // namespace r1wb
