// What the three line plots share (MetricChart, the routing panel's over-time charts in ImGui,
// the curriculum view's loss line): the mapping from data to the pixels of a plot rectangle,
// a padded value range, round tick values and their labels. No drawing here, so the QPainter
// and the Dear ImGui plots agree on where a value lands and what its tick says.
#pragma once
#include <string>
#include <vector>

namespace r1wb::views {

//! Evenly spaced tick values first, first + step, ... (count of them).
struct Ticks {
  double first = 0, step = 1;
  int count = 0;
  int decimals = 0;  //!< digits after the point that tell neighbouring ticks apart
  double at(int i) const { return first + i * step; }
};

//! Round tick spacing (1, 2 or 5 times a power of ten) giving at most `max_ticks` ticks in [lo, hi].
Ticks nice_ticks(double lo, double hi, int max_ticks, bool integers = false);
//! Log-axis ticks as values in [10^lo, 10^hi]: 1, 2 and 5 times powers of ten (decades only
//! when those are too many); inside less than a decade, linear nice ticks of the values.
std::vector<double> log_ticks(double lo, double hi, int max_ticks);
//! Wall-time ticks (x in ms) at clock-friendly spacings: 1, 2, 5, 10, 15, 30 s, minutes, hours.
Ticks clock_ticks(double lo_ms, double hi_ms, int max_ticks);
//! A tick's label with `decimals` digits (at most 6); -0 reads 0.
std::string tick_label(double v, int decimals);

//! A value range.
struct Span {
  double lo = 0, hi = 1;
};
//! [lo, hi] widened by `fraction` of its width each side so a line does not touch the frame;
//! a flat range (one value) gets room around the value instead.
Span padded(double lo, double hi, double fraction);

//! Maps data to the pixels of a plot rectangle, y growing downwards (Qt and ImGui alike).
struct PlotMapping {
  double left = 0, bottom = 1, width = 1, height = 1;  //!< pixels
  double x0 = 0, x1 = 1;                               //!< the data x at left and right
  double y0 = 0, y1 = 1;                               //!< the axis y at bottom and top (log10 with log_y)
  bool log_y = false;                                  //!< values are drawn at log10(value)

  //! The pixel column of data x (x0 == x1 maps everything to the left edge).
  double px(double x) const { return left + (x - x0) / (x1 > x0 ? x1 - x0 : 1.0) * width; }
  //! The pixel row of a value (log10 of it with log_y).
  double py(double value) const;
  //! The pixel row of an axis position (already log10 with log_y): where ticks go.
  double py_axis(double v) const { return bottom - (v - y0) / (y1 > y0 ? y1 - y0 : 1.0) * height; }
  //! The data x under a pixel column.
  double x_at(double pixel) const { return x0 + (pixel - left) / (width > 0 ? width : 1.0) * (x1 - x0); }
};

}  // namespace r1wb::views
