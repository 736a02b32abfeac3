// Pins the chart's smoothing: TensorBoard's debiased EMA over every point, the same whether
// smoothing was on from the start or turned on later, and the raw points untouched.
#include "core/series/metric_series.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace r1wb;

TEST(MetricSeries, SmoothingIsTheDebiasedEmaOfEveryPoint) {
  MetricSeries on_from_start, on_later;
  on_from_start.set_smoothing(0.6);
  std::vector<double> values;
  for (int i = 1; i <= 1000; ++i) values.push_back(std::sin(i * 0.3) + (i == 500 ? 10.0 : 0.0));
  for (int i = 1; i <= 1000; ++i) {
    on_from_start.append(i, i, values[i - 1]);
    on_later.append(i, i, values[i - 1]);
  }
  EXPECT_EQ(on_later.smoothed(), nullptr) << "off by default";
  on_later.set_smoothing(0.6);
  ASSERT_NE(on_from_start.smoothed(), nullptr);
  ASSERT_NE(on_later.smoothed(), nullptr);
  double ema = 0, decay = 1;
  for (size_t i = 0; i < values.size(); ++i) {
    ema = 0.6 * ema + 0.4 * values[i];
    decay *= 0.6;
    ASSERT_NEAR(on_from_start.smoothed()->value(i), ema / (1 - decay), 1e-12) << "point " << i;
    ASSERT_EQ(on_later.smoothed()->value(i), on_from_start.smoothed()->value(i));
    ASSERT_EQ(on_later.raw().value(i), values[i]);
  }
  EXPECT_DOUBLE_EQ(on_from_start.smoothed()->value(0), values[0]) << "debiased: the first point is itself";
  on_later.set_smoothing(0);
  EXPECT_EQ(on_later.smoothed(), nullptr);
}
